import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CatalogueQuery, parseCatalogueQuery } from "@/lib/catalogue/catalogue-query";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import { listApplications, searchCondition } from "@/lib/catalogue/list-applications";
import type { Db } from "@/lib/db";
import { createTestDatabase } from "@/test/support/db";
import {
  appFiles,
  CHART_YAML,
  createGitopsFixture,
  ENVIRONMENTS_YAML,
  type GitopsFixture,
} from "./gitops-fixture";

function query(params: Record<string, string>): CatalogueQuery {
  const parsed = parseCatalogueQuery(params);
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  return parsed.query;
}

/** Slug → display name; the slugs sort in the opposite order of their relevance to "pay". */
const APPS: Record<string, string> = {
  "a-ledger": "a-ledger", // only its description mentions pay (set below)
  "b-zz-pay-tools": "zz-pay-tools", // contains it
  "c-repay": "c-repay", // contains it
  "d-payroll": "payroll", // name starts with it
  "e-paymaster": "e-paymaster", // neither starts with it: contains it
  "f-checkout": "Pay", // name is it (another case)
  "pay-gateway": "pay-gateway", // slug starts with it
  pay: "pay", // slug and name are it
  unrelated: "unrelated",
};

describe("catalogue search ranks by relevance", () => {
  let repo: GitopsFixture;
  let db: Db;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    repo = createGitopsFixture();
    const files: Record<string, string> = {
      "environments.yaml": ENVIRONMENTS_YAML,
      "charts/web-service/Chart.yaml": CHART_YAML,
    };
    for (const [slug, name] of Object.entries(APPS)) {
      Object.assign(files, appFiles(slug, "payments", { dev: "1.0.0" }, { name }));
    }
    repo.commit(files, "fleet");
    ({ db, drop } = await createTestDatabase());
    await importCatalogue({ db, git: repo.provider, versionPath: "image.tag", trigger: "test" });
    await db.application.update({
      where: { slug: "a-ledger" },
      data: { description: "Moves PAYments between accounts" },
    });
  });
  afterAll(async () => {
    await drop?.();
    repo?.cleanup();
  });

  it("exact name, then prefix, then substring, then description; the slug breaks ties", async () => {
    const result = await listApplications({ db, query: query({ q: "pay" }) });
    expect(result.rows.map((r) => r.slug)).toEqual([
      "f-checkout",
      "pay",
      "d-payroll",
      "pay-gateway",
      "b-zz-pay-tools",
      "c-repay",
      "e-paymaster",
      "a-ledger",
    ]);
    expect(result.total).toBe(8);
  });

  it("keeps the ranking across pages", async () => {
    const first = await listApplications({ db, query: query({ q: "PAY", size: "25" }) });
    expect(first.rows[0]?.slug).toBe("f-checkout");
    expect(first.rows.at(-1)?.slug).toBe("a-ledger");
  });

  it("a sort the person chose wins over relevance", async () => {
    const byName = await listApplications({ db, query: query({ q: "pay", sort: "name" }) });
    expect(byName.rows.map((r) => r.slug)).toEqual([
      "a-ledger",
      "b-zz-pay-tools",
      "c-repay",
      "d-payroll",
      "e-paymaster",
      "f-checkout",
      "pay",
      "pay-gateway",
    ]);
  });

  it("a search text with LIKE wildcards ranks them literally", async () => {
    const result = await listApplications({ db, query: query({ q: "pay_" }) });
    expect(result.total).toBe(0);
  });

  it("finds the candidates through the trigram index instead of reading every application", async () => {
    // Nine apps are cheaper to read whole, so the planner is told not to: the index must be usable.
    const plan = await db.$transaction(async (tx) => {
      await tx.$executeRaw`SET LOCAL enable_seqscan = off`;
      return tx.$queryRaw<{ "QUERY PLAN": string }[]>`
        EXPLAIN SELECT a."id" FROM "Application" a WHERE ${searchCondition("ledger")}`;
    });
    expect(plan.map((row) => row["QUERY PLAN"]).join("\n")).toContain(
      "Application_search_trgm_idx",
    );
    // Joined, "ledger moves" spans the slug and the description: no field contains it.
    const across = await listApplications({ db, query: query({ q: "ledger moves" }) });
    expect(across.total).toBe(0);
  });
});
