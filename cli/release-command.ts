import { parseArgs } from "node:util";
import { callPortal, portalTarget } from "@/cli/portal-http";
import { GantryError } from "@/lib/errors";
import { RegisterReleaseInput } from "@/lib/releases/register-release";

export const RELEASE_USAGE = `  release create --app APP --version VERSION [--digest sha256:…] [--commit SHA]
                 [--build-url URL] [--source-repository URL] [--notes TEXT]
                 [--url GANTRY_URL] [--token GANTRY_TOKEN]
                       Register a release CI built, over HTTP (POST /api/v1/releases); the URL
                       and token come from --url/--token or GANTRY_URL/GANTRY_TOKEN. Prints the
                       release as JSON; a retry of the same release succeeds, another digest for
                       the same version is refused
`;

/**
 * `gantry release create`: parses the flags, validates them with the same
 * schema as the API, and sends them. It talks HTTP only (no database), so a
 * CI job needs nothing but the portal's URL and a token.
 */
export async function runRelease(params: {
  args: string[];
  env: Record<string, string | undefined>;
  out: (text: string) => void;
  progress: (text: string) => void;
  fetch?: typeof fetch;
}): Promise<number> {
  const [action, ...rest] = params.args;
  if (action !== "create") {
    throw new GantryError("bad_request", 'release needs "create"');
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      app: { type: "string" },
      version: { type: "string" },
      digest: { type: "string" },
      commit: { type: "string" },
      "build-url": { type: "string" },
      "source-repository": { type: "string" },
      notes: { type: "string" },
      url: { type: "string" },
      token: { type: "string" },
    },
    strict: true,
  });
  const input = RegisterReleaseInput.safeParse(
    Object.fromEntries(
      Object.entries({
        app: values.app,
        version: values.version,
        digest: values.digest,
        commit: values.commit,
        buildUrl: values["build-url"],
        sourceRepository: values["source-repository"],
        notes: values.notes,
      }).filter(([, value]) => value !== undefined),
    ),
  );
  if (!input.success) {
    throw new GantryError(
      "bad_request",
      input.error.issues
        .map((i) => `--${flagOf(String(i.path[0] ?? ""))}: ${i.message}`)
        .join("; "),
    );
  }
  const { status, body } = await callPortal({
    target: portalTarget({
      url: values.url,
      token: values.token,
      env: params.env,
      needs: "releases:write",
    }),
    method: "POST",
    path: "/api/v1/releases",
    body: input.data,
    fetch: params.fetch,
  });
  params.progress(
    status === 201
      ? `registered ${input.data.app} ${input.data.version}`
      : `${input.data.app} ${input.data.version} was already registered; nothing changed`,
  );
  params.out(`${JSON.stringify(body, null, 2)}\n`);
  return 0;
}

function flagOf(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
