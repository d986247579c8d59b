/**
 * Guards for code that must only ever touch a database on this machine: the
 * test harness, which creates and drops databases freely, and anything else
 * that resets data.
 */

export class NonLocalDatabaseError extends Error {
  readonly host: string;

  constructor(host: string) {
    super(
      `Refusing to use a database on "${host}": only a local Postgres (localhost, 127.0.0.0/8, ::1 or a unix socket) is allowed here.`,
    );
    this.name = "NonLocalDatabaseError";
    this.host = host;
  }
}

/** The host a postgres:// URL connects to; a `host` query parameter (unix socket) wins, as in libpq. */
function databaseHost(url: string): string {
  let parsed: URL;
  try {
    // libpq allows an empty host (the default unix socket), e.g. postgresql://user@/db;
    // WHATWG URLs do not, so read it as localhost, which is just as local.
    parsed = new URL(url.replace(/^(postgres(?:ql)?:\/\/(?:[^@/?]*@)?)(?=[/?]|$)/, "$1localhost"));
  } catch {
    // Never echo the URL: it may carry a password.
    throw new Error("Not a valid postgres:// URL");
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new Error(`Not a postgres:// URL (protocol "${parsed.protocol}")`);
  }
  const socketHost = parsed.searchParams.get("host");
  if (socketHost) return socketHost;
  return decodeURIComponent(parsed.hostname).replace(/^\[(.*)\]$/, "$1");
}

function isLocalHost(host: string): boolean {
  if (host === "" || host.startsWith("/")) return true; // unix socket
  const lower = host.toLowerCase();
  if (lower === "localhost" || lower.endsWith(".localhost")) return true;
  if (lower === "::1" || lower === "0:0:0:0:0:0:0:1") return true;
  return /^127(\.\d{1,3}){3}$/.test(lower);
}

/** Throws unless the URL points at a loopback address or a unix socket. */
export function assertLocalDatabase(url: string): void {
  const host = databaseHost(url);
  if (!isLocalHost(host)) throw new NonLocalDatabaseError(host);
}
