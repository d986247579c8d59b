/**
 * The request header in which proxy.ts passes the path (and query) of the
 * page being rendered, so `requirePerson` can send a signed-out person to
 * /sign-in?next=<that path>. Set by the proxy on every page request,
 * replacing whatever a client sent.
 */
export const PATH_HEADER = "x-gantry-path";
