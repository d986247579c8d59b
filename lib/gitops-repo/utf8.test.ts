import { describe, expect, it } from "vitest";
import { decodeUtf8Strict } from "@/lib/gitops-repo/utf8";

describe("decodeUtf8Strict", () => {
  it("decodes UTF-8 and keeps a byte order mark", () => {
    const bytes = Buffer.from("\uFEFFimage:\n  tag: 1.0.0 # café\n", "utf8");
    expect(decodeUtf8Strict(bytes, "v.yaml")).toEqual({
      ok: true,
      text: "\uFEFFimage:\n  tag: 1.0.0 # café\n",
    });
  });

  it("refuses Latin-1 bytes with the line and column of the first one", () => {
    const bytes = Buffer.concat([
      Buffer.from("image:\n  # mis à jour\n  tag: 1.0.0 # caf", "latin1"),
      Buffer.from([0xe9]),
      Buffer.from("\n", "latin1"),
    ]);
    expect(decodeUtf8Strict(bytes, "apps/a/values.yaml")).toEqual({
      ok: false,
      error: {
        file: "apps/a/values.yaml",
        line: 2,
        column: 9,
        message:
          "the file is not UTF-8 (byte 0xe0 at byte 16); save it as UTF-8: Gantry does not read or rewrite it",
      },
    });
  });

  it("refuses overlong and truncated sequences", () => {
    expect(decodeUtf8Strict(Uint8Array.from([0x61, 0xc0, 0xaf]), "f").ok).toBe(false);
    expect(decodeUtf8Strict(Uint8Array.from([0x61, 0xe2, 0x82]), "f").ok).toBe(false);
    expect(decodeUtf8Strict(Uint8Array.from([0xed, 0xa0, 0x80]), "f").ok).toBe(false);
  });
});
