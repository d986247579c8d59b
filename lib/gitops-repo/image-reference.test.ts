import { describe, expect, it } from "vitest";
import { formatImageReference, parseImageReference } from "@/lib/gitops-repo/image-reference";

const DIGEST = `sha256:${"ab".repeat(32)}`;

describe("parseImageReference", () => {
  it("splits name, tag and digest; a registry port is not a tag", () => {
    expect(parseImageReference(`registry.example.com:5000/team/api:1.4.2@${DIGEST}`)).toEqual({
      ok: true,
      image: { name: "registry.example.com:5000/team/api", tag: "1.4.2", digest: DIGEST },
    });
    expect(parseImageReference("registry.example.com:5000/team/api")).toEqual({
      ok: true,
      image: { name: "registry.example.com:5000/team/api", tag: null, digest: null },
    });
    expect(parseImageReference(`nginx@${DIGEST}`)).toEqual({
      ok: true,
      image: { name: "nginx", tag: null, digest: DIGEST },
    });
    expect(parseImageReference("nginx:1.27-alpine")).toMatchObject({
      image: { name: "nginx", tag: "1.27-alpine" },
    });
  });

  it("refuses what is not an image reference", () => {
    for (const bad of [
      "",
      "a b",
      "nginx:",
      "nginx@sha256:zz",
      ":1.0",
      "team/:1.0",
      "nginx:1.0:2",
    ]) {
      expect(parseImageReference(bad).ok, bad).toBe(false);
    }
  });

  it("formats back to the same text", () => {
    const text = `localhost:5000/api:2.0.0@${DIGEST}`;
    const parsed = parseImageReference(text);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(formatImageReference(parsed.image)).toBe(text);
  });
});
