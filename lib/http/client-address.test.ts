import { describe, expect, it } from "vitest";
import {
  normaliseAddress,
  parseTrustedProxies,
  resolveClientAddress,
} from "@/lib/http/client-address";

const none = parseTrustedProxies(undefined);
const lb = parseTrustedProxies("10.0.0.0/8, 2001:db8::/32,192.0.2.7");

describe("resolveClientAddress", () => {
  it("believes no X-Forwarded-For by default: the socket's peer is the client", () => {
    expect(
      resolveClientAddress({ peer: "198.51.100.4", forwardedFor: "203.0.113.9", proxies: none }),
    ).toBe("198.51.100.4");
    expect(
      resolveClientAddress({ peer: "::ffff:198.51.100.4", forwardedFor: null, proxies: none }),
    ).toBe("198.51.100.4");
  });

  it("walks X-Forwarded-For from the right, skipping trusted hops, for a trusted peer", () => {
    // The client forged the first entry; the load balancer (10.1.2.3) appended the real one.
    expect(
      resolveClientAddress({
        peer: "10.1.2.3",
        forwardedFor: "1.1.1.1, 203.0.113.9",
        proxies: lb,
      }),
    ).toBe("203.0.113.9");
    expect(
      resolveClientAddress({
        peer: "10.1.2.3",
        forwardedFor: "203.0.113.9, 192.0.2.7, 10.9.9.9",
        proxies: lb,
      }),
    ).toBe("203.0.113.9");
    expect(resolveClientAddress({ peer: "10.1.2.3", forwardedFor: null, proxies: lb })).toBe(
      "10.1.2.3",
    );
    expect(
      resolveClientAddress({ peer: "10.1.2.3", forwardedFor: "garbage, 10.4.4.4", proxies: lb }),
    ).toBe("10.4.4.4");
  });

  it("does not believe an untrusted peer's header", () => {
    expect(
      resolveClientAddress({ peer: "203.0.113.1", forwardedFor: "10.0.0.1", proxies: lb }),
    ).toBe("203.0.113.1");
  });

  it("is unknown without a socket address", () => {
    expect(
      resolveClientAddress({ peer: undefined, forwardedFor: "203.0.113.9", proxies: lb }),
    ).toBeNull();
  });
});

describe("parseTrustedProxies", () => {
  it("refuses what is not an address or CIDR, naming it", () => {
    for (const bad of ["10.0.0.0/33", "nonsense", "10.0.0.0/8/1", "::1/129", "10.0.0.0/x"]) {
      expect(() => parseTrustedProxies(bad)).toThrow(bad);
    }
    expect(normaliseAddress("[::1]")).toBe("::1");
  });
});
