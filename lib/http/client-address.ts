import { BlockList, isIP } from "node:net";

/**
 * The client's address, as far as it can be believed. The socket's peer is
 * the client unless it is one of GANTRY_TRUSTED_PROXIES; then
 * X-Forwarded-For is read from the right, each trusted hop skipped, and the
 * first hop that is not a trusted proxy is the client. A client can put
 * anything in the header, but only what trusted proxies appended is read.
 *
 * Next.js does not hand route handlers the socket, so Gantry's server
 * (scripts/start.ts) resolves the address here for every request and puts
 * the result in CLIENT_ADDRESS_HEADER, replacing whatever the client sent;
 * everything else (audit events, the sign-in lockout, better-auth's rate
 * limiter) reads that header only.
 */
export const CLIENT_ADDRESS_HEADER = "x-gantry-client-address";

export type TrustedProxies = Readonly<{ list: BlockList; text: readonly string[] }>;

/** `::ffff:10.0.0.1` (IPv4 through an IPv6 socket) is `10.0.0.1`. */
export function normaliseAddress(value: string): string | null {
  const trimmed = value.trim().replace(/^\[(.*)\]$/, "$1");
  const unmapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed)?.[1] ?? trimmed;
  return isIP(unmapped) === 0 ? null : unmapped.toLowerCase();
}

/**
 * Parses a comma-separated list of CIDRs or single addresses
 * (`10.0.0.0/8, 2001:db8::/32, 192.0.2.7`); throws naming the bad entry.
 */
export function parseTrustedProxies(text: string | undefined): TrustedProxies {
  const list = new BlockList();
  const entries = (text ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [address = "", prefixText, extra] = entry.split("/");
    const normal = normaliseAddress(address);
    const family = normal ? (isIP(normal) === 4 ? "ipv4" : "ipv6") : null;
    const maxPrefix = family === "ipv4" ? 32 : 128;
    const prefix = prefixText === undefined ? maxPrefix : Number(prefixText);
    if (
      !normal ||
      !family ||
      extra !== undefined ||
      !/^\d{1,3}$/.test(prefixText ?? String(maxPrefix)) ||
      prefix > maxPrefix
    ) {
      throw new Error(`"${entry}" is not an address or CIDR like 10.0.0.0/8`);
    }
    list.addSubnet(normal, prefix, family);
  }
  return { list, text: entries };
}

function isTrusted(address: string, proxies: TrustedProxies): boolean {
  return proxies.list.check(address, isIP(address) === 4 ? "ipv4" : "ipv6");
}

export function resolveClientAddress(params: {
  /** The socket's remote address; undefined when unknown. */
  peer: string | undefined;
  forwardedFor: string | null | undefined;
  proxies: TrustedProxies;
}): string | null {
  const peer = params.peer ? normaliseAddress(params.peer) : null;
  if (!peer) return null;
  if (!isTrusted(peer, params.proxies)) return peer;
  let client = peer;
  const hops = (params.forwardedFor ?? "").split(",").map((hop) => hop.trim());
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normaliseAddress(hops[i] ?? "");
    // Not an address: nothing further left can be believed; the proxy that wrote it stands.
    if (!hop) break;
    client = hop;
    if (!isTrusted(hop, params.proxies)) break;
  }
  return client;
}
