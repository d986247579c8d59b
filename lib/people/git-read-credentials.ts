/**
 * The headers to resolve a Git client's principal from: `git clone` sends
 * HTTP Basic, and a Gantry API token may be either half of it (the
 * password, the usual way, or the user name with an empty password); it is
 * passed on as the bearer token the API expects. Anything else is left as
 * it is (a bearer token, a session cookie, nothing).
 */
export function gitReadHeaders(headers: Headers): Headers {
  const match = /^Basic\s+([A-Za-z0-9+/=]{1,2000})\s*$/i.exec(headers.get("authorization") ?? "");
  if (!match?.[1]) return headers;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  const password = colon < 0 ? "" : decoded.slice(colon + 1);
  const token = password || user;
  const result = new Headers(headers);
  if (token) result.set("authorization", `Bearer ${token}`);
  else result.delete("authorization");
  return result;
}
