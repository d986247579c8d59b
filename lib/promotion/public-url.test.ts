import { describe, expect, it } from "vitest";
import { parseConfig } from "@/lib/config";
import { promotionBody } from "./pull-request-text";

function body(publicUrl: string): string {
  return promotionBody({
    id: "p1",
    application: "checkout",
    environment: "prod",
    fromEnvironment: "staging",
    version: "1.2.0",
    previousVersion: "1.1.0",
    valuesPath: "apps/checkout/envs/prod/values.yaml",
    reason: "ship it",
    requestedBy: { name: "Dev", email: "dev@example.com" },
    publicUrl,
  });
}

describe("the portal's public URL", () => {
  it("defaults to the address the portal listens on, so printed URLs and links name one host", () => {
    expect(parseConfig({ PORT: "3411" }).publicUrl).toBe("http://127.0.0.1:3411");
    expect(parseConfig({ PORT: "3411", GANTRY_HOST: "::1" }).publicUrl).toBe("http://[::1]:3411");
    // Listening everywhere names no host a browser can use: localhost then.
    expect(parseConfig({ PORT: "3411", GANTRY_HOST: "0.0.0.0" }).publicUrl).toBe(
      "http://localhost:3411",
    );
  });

  it("is GANTRY_PUBLIC_URL when set, without a trailing slash, and pull requests link to it", () => {
    const config = parseConfig({ GANTRY_PUBLIC_URL: "https://gantry.example.com/", PORT: "3411" });
    expect(config.publicUrl).toBe("https://gantry.example.com");
    expect(body(config.publicUrl)).toContain("https://gantry.example.com/promotions/p1");
    expect(body(parseConfig({ PORT: "3411" }).publicUrl)).toContain(
      "http://127.0.0.1:3411/promotions/p1",
    );
  });
});
