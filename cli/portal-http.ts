import { z } from "zod";
import { GantryError } from "@/lib/errors";

/** How long the CLI waits for the portal before giving up (CI should fail, not hang). */
const REQUEST_TIMEOUT_MS = 30_000;

/** Where the portal is and the token to present: flags win over the environment. */
export interface PortalTarget {
  url: string;
  token: string;
}

/**
 * The portal's URL and token from --url/--token or GANTRY_URL/GANTRY_TOKEN;
 * `needs` says in the error what the token must allow ("releases:write").
 */
export function portalTarget(params: {
  url: string | undefined;
  token: string | undefined;
  env: Record<string, string | undefined>;
  needs: string;
}): PortalTarget {
  const missingToken = `an API token with ${params.needs} is required (--token or GANTRY_TOKEN)`;
  const parsed = z
    .object({
      url: z.url({
        protocol: /^https?$/,
        error: "the portal URL must be an http(s) URL (--url or GANTRY_URL)",
      }),
      token: z.string({ error: missingToken }).min(1, missingToken),
    })
    .safeParse({
      url: params.url ?? params.env.GANTRY_URL,
      token: params.token ?? params.env.GANTRY_TOKEN,
    });
  if (!parsed.success) {
    throw new GantryError("bad_request", parsed.error.issues.map((i) => i.message).join("; "));
  }
  return parsed.data;
}

/**
 * One call to the portal's API with the bearer token. Answers the status
 * and the JSON body; a refusal becomes an error carrying the portal's own
 * message ("the portal answered 409: …"), and an unreachable portal says so.
 */
export async function callPortal(params: {
  target: PortalTarget;
  method: "GET" | "POST";
  path: string;
  body?: unknown;
  fetch?: typeof fetch;
}): Promise<{ status: number; body: unknown }> {
  const endpoint = new URL(params.path, params.target.url);
  let response: Response;
  try {
    response = await (params.fetch ?? fetch)(endpoint, {
      method: params.method,
      headers: {
        ...(params.body === undefined ? {} : { "content-type": "application/json" }),
        authorization: `Bearer ${params.target.token}`,
      },
      ...(params.body === undefined ? {} : { body: JSON.stringify(params.body) }),
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
  return { status: response.status, body };
}
