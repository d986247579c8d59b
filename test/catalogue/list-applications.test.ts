import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CatalogueQuery, parseCatalogueQuery } from "@/lib/catalogue/catalogue-query";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import { listApplications, listCatalogueFacets } from "@/lib/catalogue/list-applications";
import type { Db } from "@/lib/db";
import { createTestDatabase } from "@/test/support/db";
import {
  appFiles,
  CHART_YAML,
  createGitopsFixture,
  ENVIRONMENTS_YAML,
  type GitopsFixture,
} from "./gitops-fixture";

const TEAMS = ["payments", "search", "identity"] as const;
const TIERS = ["critical", "high", "medium", "low"] as const;
const APPS = 130;

function query(params: Record<string, string> = {}): CatalogueQuery {
  const parsed = parseCatalogueQuery(params);
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  return parsed.query;
}

/** app-000 … app-129: team by i % 3, tier by i % 4, versions differing on every fifth app. */
function fleet(): Record<string, string> {
  const files: Record<string, string> = {
    "environments.yaml": ENVIRONMENTS_YAML,
    "charts/web-service/Chart.yaml": CHART_YAML,
  };
  for (let i = 0; i < APPS; i++) {
    const slug =
      i % 10 === 7 ? `ledger-${String(i).padStart(3, "0")}` : `app-${String(i).padStart(3, "0")}`;
    const prod = i % 5 === 0 ? "1.0.0" : "1.1.0";
    Object.assign(
      files,
      appFiles(
        slug,
        TEAMS[i % 3] ?? "payments",
        { dev: "1.1.0", staging: "1.1.0", prod },
        {
          tier: TIERS[i % 4],
          extra: `  language: ${i % 2 === 0 ? "go" : "kotlin"}`,
        },
      ),
    );
  }
  return files;
}

describe("catalogue queries", () => {
  let repo: GitopsFixture;
  let db: Db;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    repo = createGitopsFixture();
    repo.commit(fleet(), "fleet");
    ({ db, drop } = await createTestDatabase());
    await importCatalogue({ db, git: repo.provider, versionPath: "image.tag", trigger: "test" });
    // One archived app, which the default view must not show.
    repo.commit({ "apps/app-000": null }, "retire app-000");
    await importCatalogue({ db, git: repo.provider, versionPath: "image.tag", trigger: "test" });
  });
  afterAll(async () => {
    await drop?.();
    repo?.cleanup();
  });

  it("pages through every active app exactly once, in order", async () => {
    const seen: string[] = [];
    const first = await listApplications({ db, query: query({ size: "25" }) });
    expect(first.total).toBe(APPS - 1);
    expect(first.pageCount).toBe(Math.ceil((APPS - 1) / 25));
    expect(first.environments.map((e) => e.name)).toEqual(["dev", "staging", "prod"]);
    for (let page = 1; page <= first.pageCount; page++) {
      const result = await listApplications({
        db,
        query: query({ size: "25", page: String(page) }),
      });
      seen.push(...result.rows.map((r) => r.slug));
    }
    expect(seen).toHaveLength(APPS - 1);
    expect(new Set(seen).size).toBe(APPS - 1);
    expect(seen).toEqual([...seen].sort());
    expect(seen).not.toContain("app-000");
  });

  it("clamps a page past the end to the last page", async () => {
    const result = await listApplications({ db, query: query({ page: "999" }) });
    expect(result.page).toBe(result.pageCount);
    expect(result.rows.length).toBeGreaterThan(0);
  });

  it.each<Record<string, string>>([
    { sort: "name", dir: "asc" },
    { sort: "name", dir: "desc" },
    { sort: "team", dir: "desc" },
    { sort: "tier", dir: "asc" },
    { sort: "updated", dir: "desc" },
    { sort: "relevance", dir: "asc", q: "0" },
  ])(
    "walks $sort $dir by position, forwards and back, as the page numbers order it",
    async (order) => {
      const base = { size: "25", ...order };
      const byNumber: string[][] = [];
      const first = await listApplications({ db, query: query(base) });
      for (let page = 1; page <= first.pageCount; page++) {
        const result = await listApplications({
          db,
          query: query({ ...base, page: String(page) }),
        });
        byNumber.push(result.rows.map((r) => r.slug));
      }
      expect(byNumber.flat().length).toBe(first.total);

      // Next: each page after the last row of the one before, labelled with its number.
      const forwards: string[][] = [first.rows.map((r) => r.slug)];
      let current = first;
      while (current.page < current.pageCount) {
        const after = current.endCursor ?? "";
        current = await listApplications({
          db,
          query: query({ ...base, after, page: String(current.page + 1) }),
        });
        forwards.push(current.rows.map((r) => r.slug));
      }
      expect(forwards).toEqual(byNumber);

      // Previous: from the last page back, each page before the first row of the one after.
      const backwards: string[][] = [current.rows.map((r) => r.slug)];
      while (current.page > 1) {
        const before = current.startCursor ?? "";
        current = await listApplications({
          db,
          query: query({ ...base, before, page: String(current.page - 1) }),
        });
        backwards.unshift(current.rows.map((r) => r.slug));
      }
      expect(backwards).toEqual(byNumber);
    },
  );

  it("shows the last page for a position past the end, and refuses a position from another order", async () => {
    const last = await listApplications({ db, query: query({ size: "25", page: "999" }) });
    const past = await listApplications({
      db,
      query: query({ size: "25", after: last.endCursor ?? "", page: "7" }),
    });
    expect(past.page).toBe(last.pageCount);
    expect(past.rows.map((r) => r.slug)).toEqual(last.rows.map((r) => r.slug));

    const byTeam = parseCatalogueQuery({ sort: "team", after: last.endCursor ?? "" });
    expect(byTeam).toEqual({
      ok: false,
      errors: ["after: not for this order; open the first page again"],
    });
    expect(parseCatalogueQuery({ after: "not-base64-json" })).toEqual({
      ok: false,
      errors: ["after: not a page position; open the first page again"],
    });
  });

  it("searches slugs and names case-insensitively", async () => {
    const result = await listApplications({ db, query: query({ q: "LEDGER" }) });
    expect(result.total).toBe(13);
    expect(result.rows.every((r) => r.slug.startsWith("ledger-"))).toBe(true);
  });

  it("treats LIKE wildcards in the search text literally", async () => {
    expect((await listApplications({ db, query: query({ q: "%" }) })).total).toBe(0);
    expect((await listApplications({ db, query: query({ q: "app_0" }) })).total).toBe(0);
    expect((await listApplications({ db, query: query({ q: "app-0" }) })).total).toBeGreaterThan(0);
  });

  it("filters by team, tier, label and differing versions, and combines them", async () => {
    const team = await listApplications({ db, query: query({ team: "search", size: "100" }) });
    expect(team.rows.every((r) => r.team.slug === "search")).toBe(true);
    expect(team.total).toBe(43);

    const tier = await listApplications({ db, query: query({ tier: "critical", size: "100" }) });
    expect(tier.rows.every((r) => r.tier === "critical")).toBe(true);

    const label = await listApplications({
      db,
      query: query({ label: "language=kotlin", size: "100" }),
    });
    expect(label.total).toBe(65);

    const differs = await listApplications({ db, query: query({ differs: "1", size: "100" }) });
    expect(differs.total).toBe(25); // every fifth app but the archived app-000
    expect(
      differs.rows.every((r) => r.versions.prod === "1.0.0" && r.versions.dev === "1.1.0"),
    ).toBe(true);

    const combined = await listApplications({
      db,
      query: query({ team: "payments", differs: "1", label: "language=go", size: "100" }),
    });
    // i ≡ 0 (mod 3), i ≡ 0 (mod 5), even, i ≠ 0: 30, 60, 90, 120
    expect(combined.rows.map((r) => r.slug)).toEqual(["app-030", "app-060", "app-090", "app-120"]);
  });

  it("sorts by team and tier with the slug as the tie-breaker", async () => {
    const byTeam = await listApplications({
      db,
      query: query({ sort: "team", dir: "desc", size: "100" }),
    });
    const teams = byTeam.rows.map((r) => r.team.slug);
    expect(teams).toEqual([...teams].sort().reverse());
    const byTier = await listApplications({ db, query: query({ sort: "tier", size: "100" }) });
    const order = byTier.rows.map((r) => TIERS.indexOf(r.tier as (typeof TIERS)[number]));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it("lists archived apps only when asked", async () => {
    const archived = await listApplications({ db, query: query({ archived: "1" }) });
    expect(archived.rows.map((r) => r.slug)).toEqual(["app-000"]);
    expect(archived.rows[0]?.archived).toBe(true);
  });

  it("offers teams and labels with counts of active apps", async () => {
    const facets = await listCatalogueFacets({ db });
    expect(facets.teams).toEqual([
      { slug: "identity", name: "Identity", applications: 43 },
      { slug: "payments", name: "Payments", applications: 43 },
      { slug: "search", name: "Search", applications: 43 },
    ]);
    expect(facets.labels).toContainEqual({ key: "language", value: "go", applications: 64 });
  });

  it("counts a filter once per import instead of on every page; a status filter's count is an estimate", async () => {
    const counted = await listApplications({ db, query: query({ team: "search" }) });
    expect(counted).toMatchObject({ total: 43, totalIsEstimate: false });
    // Written around the import (as a replica that is importing does): pages go on with the
    // count of the last import instead of counting every page again.
    await db.application.update({ where: { slug: "app-001" }, data: { archivedAt: new Date() } });
    try {
      const next = await listApplications({ db, query: query({ team: "search" }) });
      expect(next.total).toBe(43);
      expect(next.rows.map((row) => row.slug)).not.toContain("app-001");
    } finally {
      await db.application.update({ where: { slug: "app-001" }, data: { archivedAt: null } });
    }

    const stale = await listApplications({ db, query: query({ status: "stale" }) });
    expect(stale.totalIsEstimate).toBe(false);
    const again = await listApplications({ db, query: query({ status: "stale" }) });
    expect(again).toMatchObject({ total: stale.total, totalIsEstimate: true });
  });
});
