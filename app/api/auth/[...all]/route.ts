import { toNextJsHandler } from "better-auth/next-js";
import { requestContextFrom, withRequestContext } from "@/lib/http/request-context";
import { getAuth } from "@/lib/people/auth-server";

/**
 * better-auth's endpoints (sign-in, sign-out, change password, single
 * sign-on callbacks) under /api/auth. The instance is made on the first
 * request, not at build time.
 */
export const { GET, POST } = toNextJsHandler((request: Request) =>
  withRequestContext(requestContextFrom(request.headers), () => getAuth().handler(request)),
);
