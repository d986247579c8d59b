import { getConfig } from "@/lib/config";
import { isGantryError } from "@/lib/errors";
import { handleGitHttp } from "@/lib/git/local/http-backend";
import { assertCoarse } from "@/lib/identity/permissions";
import { getCurrentPrincipal } from "@/lib/people/current-principal";
import { gitReadHeaders } from "@/lib/people/git-read-credentials";

// Git smart HTTP (read-only): `git clone <portal>/git/<repo>.git`, in the
// embedded default (with GitHub the repository is GitHub's to guard).
// A clone carries every commit and its authors' e-mails, so it needs an API
// token (the password of HTTP Basic, which git sends after the 401 below,
// or a bearer token) or a signed-in session — unless
// GANTRY_GIT_ANONYMOUS_READ=true, for an Argo CD or Flux that pulls without
// credentials. Pushes (receive-pack) are refused, and proxy.ts leaves /git/ alone.
export const dynamic = "force-dynamic";
export const runtime = "nodejs";

interface Context {
  params: Promise<{ path: string[] }>;
}

const CHALLENGE = {
  "content-type": "text/plain; charset=utf-8",
  "www-authenticate": 'Basic realm="Gantry Git", charset="UTF-8"',
};

async function mayRead(request: Request): Promise<Response | null> {
  if (getConfig().git.anonymousRead) return null;
  try {
    const principal = await getCurrentPrincipal(
      new Request(request.url, { headers: gitReadHeaders(request.headers) }),
    );
    if (principal) {
      assertCoarse(principal, "catalogue:read");
      return null;
    }
  } catch (error) {
    if (!isGantryError(error)) throw error;
    if (error.code === "forbidden") return new Response(`${error.message}\n`, { status: 403 });
  }
  return new Response(
    "Cloning needs an API token: use it as the password (any user name), e.g. create one at /account/tokens.\n",
    { status: 401, headers: CHALLENGE },
  );
}

async function serve(request: Request, context: Context): Promise<Response> {
  const refused = await mayRead(request);
  if (refused) return refused;
  const { path } = await context.params;
  return handleGitHttp(request, { dataDir: getConfig().dataDir, repoPath: path.join("/") });
}

export const GET = serve;
export const POST = serve;
