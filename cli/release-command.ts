import { parseArgs } from "node:util";
import { z } from "zod";
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

/** Where the portal is and the token to present: flags win over the environment. */
const Target = z.object({
  url: z.url({
    protocol: /^https?$/,
    error: "the portal URL must be an http(s) URL (--url or GANTRY_URL)",
  }),
  token: z
    .string({ error: "an API token with releases:write is required (--token or GANTRY_TOKEN)" })
    .min(1, "an API token with releases:write is required (--token or GANTRY_TOKEN)"),
});

/** How long the CLI waits for the portal before giving up (CI should fail, not hang). */
const REQUEST_TIMEOUT_MS = 30_000;

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
  const target = Target.safeParse({
    url: values.url ?? params.env.GANTRY_URL,
    token: values.token ?? params.env.GANTRY_TOKEN,
  });
  if (!target.success) {
    throw new GantryError("bad_request", target.error.issues.map((i) => i.message).join("; "));
  }
  const endpoint = new URL("/api/v1/releases", target.data.url);
  let response: Response;
  try {
    response = await (params.fetch ?? fetch)(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${target.data.token}`,
      },
      body: JSON.stringify(input.data),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch {
    throw new GantryError("unavailable", `could not reach ${endpoint.origin}`);
  }
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  if (!response.ok) {
    const message = z.object({ error: z.object({ message: z.string() }) }).safeParse(body);
    throw new GantryError(
      "bad_request",
      `the portal answered ${response.status}: ${message.success ? message.data.error.message : "(no message)"}`,
    );
  }
  params.progress(
    response.status === 201
      ? `registered ${input.data.app} ${input.data.version}`
      : `${input.data.app} ${input.data.version} was already registered; nothing changed`,
  );
  params.out(`${JSON.stringify(body, null, 2)}\n`);
  return 0;
}

function flagOf(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
