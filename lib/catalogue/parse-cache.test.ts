import { describe, expect, it } from "vitest";
import { ParseCache } from "./parse-cache";

describe("ParseCache", () => {
  it("finds a result by kind, path and blob id only", () => {
    const cache = new ParseCache(1_000);
    cache.set("manifest", "apps/a/app.yaml", "b1", { ok: true }, 10);
    expect(cache.get("manifest", "apps/a/app.yaml", "b1")).toEqual({ ok: true });
    expect(cache.get("manifest", "apps/a/app.yaml", "b2")).toBeUndefined();
    expect(cache.get("manifest", "apps/b/app.yaml", "b1")).toBeUndefined();
    expect(cache.get("version:image.tag", "apps/a/app.yaml", "b1")).toBeUndefined();
  });

  it("stays within its bound, dropping the least recently used first", () => {
    const cache = new ParseCache(100);
    cache.set("k", "a", "1", "A", 40);
    cache.set("k", "b", "1", "B", 40);
    // a is used again: b is now the oldest.
    expect(cache.get("k", "a", "1")).toBe("A");
    cache.set("k", "c", "1", "C", 40);
    expect(cache.get("k", "b", "1")).toBeUndefined();
    expect(cache.get("k", "a", "1")).toBe("A");
    expect(cache.get("k", "c", "1")).toBe("C");
    expect(cache.size).toBe(2);
    // Larger than the whole bound: not kept, and nothing else is lost for it.
    cache.set("k", "huge", "1", "H", 101);
    expect(cache.get("k", "huge", "1")).toBeUndefined();
    expect(cache.size).toBe(2);
  });

  it("forgets everything when cleared, as a full import does", () => {
    const cache = new ParseCache(100);
    cache.set("k", "a", "1", "A", 10);
    cache.clear();
    expect(cache.get("k", "a", "1")).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
