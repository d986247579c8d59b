import { type NextRequest, NextResponse } from "next/server";
import { type GantryConfig, getConfig } from "@/lib/config";
import { csrfRefusal, hasSessionCookie } from "@/lib/http/csrf";
import { requestProblem } from "@/lib/http/request-sanity";
import { PATH_HEADER } from "@/lib/identity/request-path";

/**
 * In front of every request (Next 16's proxy, formerly middleware):
 *
 * 0. Malformed requests (lib/http/request-sanity.ts): bad percent-escapes,
 *    NUL bytes, garbage or oversized server-action calls answer 400 / 413.
 * 1. CSRF (lib/http/csrf.ts): forged state-changing requests are refused
 *    with 403 / 415 JSON before any route runs.
 * 2. Signed-out page requests go to /sign-in?next=… (API requests are not
 *    redirected: their handlers answer 401 JSON). Only the cookie's presence
 *    is checked here; the session itself is checked where it is read.
 * 3. A Content-Security-Policy with a fresh nonce per request, so scripts
 *    need no 'unsafe-inline': Next puts the nonce on its own scripts.
 * 4. Strict-Transport-Security when the public URL is https.
 */

/** Pages anyone may see signed out (the icon too: the sign-in page shows it). */
const PUBLIC_PAGES = [/^\/sign-in(\/|$)/, /^\/icon\.svg$/, /^\/favicon\.ico$/];

function contentSecurityPolicy(nonce: string): string {
  const dev = process.env.NODE_ENV === "development";
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // React and the charts set style attributes; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join("; ");
}

export function proxy(request: NextRequest): NextResponse {
  return gantryProxy(request, getConfig());
}

/** The proxy with its configuration passed in (tests give their own). */
export function gantryProxy(request: NextRequest, config: GantryConfig): NextResponse {
  const response = answer(request, config);
  // 4. HSTS on every answer when the public URL is https (config.hsts).
  if (config.hsts) {
    response.headers.set("strict-transport-security", `max-age=${config.hsts.maxAgeSeconds}`);
  }
  return response;
}

function answer(request: NextRequest, config: GantryConfig): NextResponse {
  const { pathname, search } = request.nextUrl;
  const problem = requestProblem({
    method: request.method,
    pathname,
    search,
    headers: request.headers,
  });
  if (problem) {
    return NextResponse.json(
      {
        error: {
          code: problem.status === 413 ? "payload_too_large" : "bad_request",
          message: problem.message,
        },
      },
      { status: problem.status },
    );
  }
  // The Git server answers for itself (its own credentials, read-only): only the checks above.
  if (pathname.startsWith("/git/")) return NextResponse.next();
  const refusal = csrfRefusal({
    method: request.method,
    pathname,
    headers: request.headers,
    publicOrigin: new URL(config.publicUrl).origin,
  });
  if (refusal) {
    return NextResponse.json(
      { error: { code: refusal.code, message: refusal.message } },
      { status: refusal.status },
    );
  }
  if (pathname.startsWith("/api/")) return NextResponse.next();

  if (!hasSessionCookie(request.headers) && !PUBLIC_PAGES.some((page) => page.test(pathname))) {
    const target = new URL("/sign-in", request.url);
    target.searchParams.set("next", `${pathname}${search}`);
    return NextResponse.redirect(target, 303);
  }

  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const policy = contentSecurityPolicy(nonce);
  const headers = new Headers(request.headers);
  headers.set("x-nonce", nonce);
  headers.set("content-security-policy", policy);
  headers.set(PATH_HEADER, `${pathname}${search}`);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", policy);
  return response;
}

export const config = {
  matcher: [
    // Everything but Next's built files. Paths that end like images are pages or API
    // answers too (Gantry serves no files of its own from public/), so they get the CSP
    // like any other; /git/ only has its URL checked (answer() lets it through).
    "/((?!_next/static|_next/image).*)",
  ],
};
