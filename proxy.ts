import { type NextRequest, NextResponse } from "next/server";
import { getConfig } from "@/lib/config";
import { csrfRefusal, hasSessionCookie } from "@/lib/http/csrf";
import { PATH_HEADER } from "@/lib/identity/request-path";

/**
 * In front of every request (Next 16's proxy, formerly middleware):
 *
 * 1. CSRF (lib/http/csrf.ts): forged state-changing requests are refused
 *    with 403 / 415 JSON before any route runs.
 * 2. Signed-out page requests go to /sign-in?next=… (API requests are not
 *    redirected: their handlers answer 401 JSON). Only the cookie's presence
 *    is checked here; the session itself is checked where it is read.
 * 3. A Content-Security-Policy with a fresh nonce per request, so scripts
 *    need no 'unsafe-inline': Next puts the nonce on its own scripts.
 */

/** Pages anyone may see signed out. */
const PUBLIC_PAGES = [/^\/sign-in(\/|$)/];

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
  const { pathname, search } = request.nextUrl;
  const refusal = csrfRefusal({
    method: request.method,
    pathname,
    headers: request.headers,
    publicOrigin: new URL(getConfig().publicUrl).origin,
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
    // Everything but Next's static files, the read-only Git server and images.
    "/((?!_next/static|_next/image|git/|.*\\.(?:ico|png|svg|jpg|jpeg|gif|webp|woff2?)$).*)",
  ],
};
