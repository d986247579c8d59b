/**
 * Cross-site request forgery, decided in one place (proxy.ts calls it for
 * every request before any route runs):
 *
 * - A state-changing request (POST, PUT, PATCH, DELETE) that carries the
 *   session cookie, or comes from a browser page (it has an Origin), must
 *   come from Gantry's own origin: the public URL's, or the address the
 *   request itself was sent to. Origin is read, else Referer; neither → refused.
 *   The session cookie is also SameSite=Lax, so this is the second lock.
 * - An API mutation authenticated by a bearer token must send JSON
 *   (`Content-Type: application/json`), so no HTML form can forge one —
 *   except the agents' status reports (gzip JSON with its own type) and
 *   GitHub's webhooks (signed with HMAC).
 */

const SESSION_COOKIE_NAMES = ["gantry.session", "__Host-gantry.session"] as const;

const UNSAFE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Paths whose callers are machines that prove themselves otherwise. */
const CONTENT_TYPE_EXEMPT = [
  /^\/api\/v1\/clusters\/[^/]+\/reports\/?$/,
  /^\/api\/webhooks\/github\/?$/,
];

export interface CsrfInput {
  method: string;
  pathname: string;
  headers: Headers;
  /** Origin of GANTRY_PUBLIC_URL, e.g. https://gantry.example.com */
  publicOrigin: string;
}

export interface CsrfRefusal {
  status: 403 | 415;
  code: "forbidden" | "unsupported_media_type";
  message: string;
}

export function hasSessionCookie(headers: Headers): boolean {
  const cookie = headers.get("cookie");
  if (!cookie) return false;
  return cookie
    .split(";")
    .map((part) => part.trim().split("=")[0])
    .some((name) => SESSION_COOKIE_NAMES.some((session) => session === name));
}

function originOf(value: string | null): string | null {
  if (!value || value === "null") return null;
  try {
    return new URL(value).origin;
  } catch {
    // Not a URL: treated like no origin at all, which is refused below.
    return null;
  }
}

/** Why the request is refused as a possible forgery; null when it may go on. */
export function csrfRefusal(input: CsrfInput): CsrfRefusal | null {
  const method = input.method.toUpperCase();
  if (!UNSAFE_METHODS.has(method)) return null;
  const { headers } = input;
  const originHeader = headers.get("origin");
  const fromBrowserPage = originHeader !== null;
  if (hasSessionCookie(headers) || fromBrowserPage) {
    const origin = originOf(originHeader) ?? originOf(headers.get("referer"));
    if (!origin) {
      return {
        status: 403,
        code: "forbidden",
        message: "cross-site request refused: the request has no Origin or Referer",
      };
    }
    const host = headers.get("x-forwarded-host") ?? headers.get("host");
    const sameHost = host !== null && new URL(origin).host === host;
    if (origin !== input.publicOrigin && !sameHost) {
      return {
        status: 403,
        code: "forbidden",
        message: `cross-site request refused: ${origin} is not this portal's origin`,
      };
    }
  }
  const bearer = /^Bearer\s/i.test(headers.get("authorization") ?? "");
  if (
    bearer &&
    input.pathname.startsWith("/api/") &&
    !CONTENT_TYPE_EXEMPT.some((pattern) => pattern.test(input.pathname)) &&
    hasBody(headers)
  ) {
    const type = (headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase();
    if (type !== "application/json") {
      return {
        status: 415,
        code: "unsupported_media_type",
        message: "API requests with a body must send Content-Type: application/json",
      };
    }
  }
  return null;
}

function hasBody(headers: Headers): boolean {
  const length = headers.get("content-length");
  if (length !== null) return length.trim() !== "0";
  return headers.has("transfer-encoding");
}
