import { getConfig } from "@/lib/config";
import { handleGitHttp } from "@/lib/git/local/http-backend";

// Git smart HTTP (read-only): `git clone <portal>/git/<repo>.git`.
// Anonymous on purpose, in the embedded default only: a real Argo CD or Flux
// pulls the local GitOps repository without credentials, and it holds only
// what the catalogue already shows. Pushes (receive-pack) are refused, and
// proxy.ts leaves /git/ alone. With GitHub the repository is GitHub's to guard.
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

interface Context {
  params: Promise<{ path: string[] }>;
}

async function serve(request: Request, context: Context): Promise<Response> {
  const { path } = await context.params;
  return handleGitHttp(request, { dataDir: getConfig().dataDir, repoPath: path.join("/") });
}

export const GET = serve;
export const POST = serve;
