import { describe, expect, it } from "vitest";
import { catalogueSearch, encodePosition, parseCatalogueQuery } from "./catalogue-query";

describe("parseCatalogueQuery", () => {
  it("fills defaults and drops blanks", () => {
    const parsed = parseCatalogueQuery({ q: "  ", team: "" });
    expect(parsed).toEqual({
      ok: true,
      query: { sort: "name", dir: "asc", page: 1, size: 50 },
    });
  });

  it("orders a search by relevance unless a sort is chosen, and keeps links short", () => {
    const searched = parseCatalogueQuery({ q: "pay" });
    expect(searched.ok && searched.query.sort).toBe("relevance");
    const chosen = parseCatalogueQuery({ q: "pay", sort: "name" });
    expect(chosen.ok && chosen.query.sort).toBe("name");
    if (!searched.ok || !chosen.ok) return;
    expect(catalogueSearch(searched.query)).toBe("?q=pay");
    expect(catalogueSearch(chosen.query)).toBe("?q=pay&sort=name");
    expect(catalogueSearch(searched.query, { q: undefined })).toBe("?sort=relevance");
  });

  it("keeps a page position only on the link that asks for it", () => {
    const after = encodePosition(["app-049"]);
    const parsed = parseCatalogueQuery({ page: "2", after });
    expect(parsed.ok && parsed.query.position).toEqual({ direction: "after", keys: ["app-049"] });
    if (!parsed.ok) return;
    expect(catalogueSearch(parsed.query, { sort: "team", page: 1 })).toBe("?sort=team");
    expect(catalogueSearch(parsed.query, { page: 3, after: encodePosition(["app-099"]) })).toBe(
      `?page=3&after=${encodePosition(["app-099"])}`,
    );
    expect(parseCatalogueQuery({ after, before: after })).toEqual({
      ok: false,
      errors: ["after, before: give one of them, not both"],
    });
  });

  it("names the parameter that is wrong", () => {
    const parsed = parseCatalogueQuery({ page: "zero", tier: "gold", sort: "colour" });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^page:/),
        expect.stringMatching(/^tier: expected one of critical/),
        expect.stringMatching(/^sort:/),
      ]),
    );
  });

  it("takes the first of repeated parameters", () => {
    const parsed = parseCatalogueQuery({ team: ["payments", "search"] });
    expect(parsed.ok && parsed.query.team).toBe("payments");
  });

  it("rejects a label without a value", () => {
    expect(parseCatalogueQuery({ label: "domain" }).ok).toBe(false);
    expect(parseCatalogueQuery({ label: "domain=checkout" }).ok).toBe(true);
  });
});

describe("the status filter", () => {
  it.each(["out-of-sync", "degraded", "stale"])("round-trips status=%s", (status) => {
    const parsed = parseCatalogueQuery({ status, team: "payments" });
    if (!parsed.ok) throw new Error(parsed.errors.join("; "));
    expect(parsed.query.status).toBe(status);
    const search = catalogueSearch(parsed.query);
    expect(search).toBe(`?team=payments&status=${status}`);
    expect(parseCatalogueQuery(Object.fromEntries(new URLSearchParams(search)))).toEqual(parsed);
  });

  it("rejects an unknown status with a message naming the parameter", () => {
    const parsed = parseCatalogueQuery({ status: "broken" });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual([expect.stringMatching(/^status: expected one of out-of-sync/)]);
  });

  it("treats a blank status as no filter", () => {
    const parsed = parseCatalogueQuery({ status: "" });
    expect(parsed.ok && parsed.query.status).toBeUndefined();
  });
});

describe("catalogueSearch", () => {
  it("round-trips through parse and leaves defaults out", () => {
    const parsed = parseCatalogueQuery({
      q: "pay",
      team: "payments",
      page: "3",
      sort: "tier",
      dir: "desc",
    });
    if (!parsed.ok) throw new Error("expected a valid query");
    const search = catalogueSearch(parsed.query);
    expect(search).toBe("?q=pay&team=payments&sort=tier&dir=desc&page=3");
    const again = parseCatalogueQuery(Object.fromEntries(new URLSearchParams(search)));
    expect(again).toEqual(parsed);
  });

  it("resets nothing it is not asked to", () => {
    const parsed = parseCatalogueQuery({ q: "a" });
    if (!parsed.ok) throw new Error("expected a valid query");
    expect(catalogueSearch(parsed.query, { page: 2 })).toBe("?q=a&page=2");
  });
});
