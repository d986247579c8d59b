import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { createTestDatabase } from "@/test/support/db";
import {
  appFiles,
  CHART_YAML,
  createGitopsFixture,
  ENVIRONMENTS_YAML,
  type GitopsFixture,
} from "./gitops-fixture";

/** The fleet most tests start from: three apps, one of them only in dev. */
const INITIAL_FLEET: Record<string, string> = {
  "environments.yaml": ENVIRONMENTS_YAML,
  "charts/web-service/Chart.yaml": CHART_YAML,
  ...appFiles(
    "payments-api",
    "payments",
    { dev: "1.4.0", staging: "1.3.0", prod: "1.3.0" },
    { tier: "critical" },
  ),
  ...appFiles("checkout-web", "checkout", { dev: "2.0.0", staging: "2.0.0", prod: "2.0.0" }),
  ...appFiles("ledger-worker", "payments", { dev: "0.9.1" }),
};

/**
 * The importer against real git and a real Postgres: each test has a
 * repository and a database of its own, imports the fleet it starts from,
 * then makes its change as a commit.
 */
describe("importCatalogue", () => {
  let repo: GitopsFixture;
  let db: PrismaClient;
  let drop: () => Promise<void>;

  const runImport = () =>
    importCatalogue({ db, git: repo.provider, versionPath: "image.tag", trigger: "test" });
  const versions = async (slug: string) => {
    const targets = await db.deploymentTarget.findMany({
      where: { application: { slug }, archivedAt: null },
      include: { environment: true },
      orderBy: { environment: { position: "asc" } },
    });
    return Object.fromEntries(targets.map((t) => [t.environment.name, t.desiredVersion]));
  };

  /** Commits the initial fleet (and any extra files) and imports it: where a test starts from. */
  const importFleet = async (extra: Record<string, string> = {}) => {
    repo.commit({ ...INITIAL_FLEET, ...extra }, "initial fleet");
    await runImport();
  };

  beforeEach(async () => {
    repo = createGitopsFixture();
    ({ db, drop } = await createTestDatabase());
  });
  afterEach(async () => {
    await drop?.();
    repo?.cleanup();
  });

  it("imports applications, teams, environments, clusters and desired versions", async () => {
    const commit = repo.commit(INITIAL_FLEET, "initial fleet");
    const result = await runImport();
    expect(result).toMatchObject({
      commit,
      appsSeen: 3,
      appsCreated: 3,
      appsUpdated: 0,
      appsArchived: 0,
      problems: 0,
    });

    const environments = await db.environment.findMany({
      orderBy: { position: "asc" },
      include: { clusters: true },
    });
    expect(environments.map((e) => e.name)).toEqual(["dev", "staging", "prod"]);
    expect(environments[2]?.clusters.map((c) => c.name).sort()).toEqual(["prod-eu-1", "prod-us-1"]);

    const payments = await db.application.findUniqueOrThrow({
      where: { slug: "payments-api" },
      include: { team: true, labels: true },
    });
    expect(payments).toMatchObject({
      name: "payments-api",
      tier: "critical",
      chart: "web-service",
      versionsDiffer: true,
      lastCommit: commit,
    });
    expect(payments.team.slug).toBe("payments");
    expect(payments.team.name).toBe("Payments");
    expect(payments.labels).toEqual([
      expect.objectContaining({ key: "domain", value: "checkout" }),
    ]);
    expect(payments.links).toEqual([
      { title: "Runbook", url: "https://runbooks.example.com/payments-api" },
    ]);
    expect(await versions("payments-api")).toEqual({
      dev: "1.4.0",
      staging: "1.3.0",
      prod: "1.3.0",
    });
    expect(await versions("ledger-worker")).toEqual({ dev: "0.9.1" });
    expect(
      (await db.application.findUniqueOrThrow({ where: { slug: "checkout-web" } })).versionsDiffer,
    ).toBe(false);
    expect(await db.release.count({ where: { application: { slug: "payments-api" } } })).toBe(2);
    expect(await db.team.count()).toBe(2);
  });

  it("re-importing the same commit changes nothing", async () => {
    await importFleet();
    const before = await db.application.findMany({ orderBy: { slug: "asc" } });
    const targetsBefore = await db.deploymentTarget.findMany({ orderBy: { id: "asc" } });
    const result = await runImport();
    expect(result).toMatchObject({ appsSeen: 3, appsCreated: 0, appsUpdated: 0, appsArchived: 0 });
    expect(await db.application.findMany({ orderBy: { slug: "asc" } })).toEqual(before);
    expect(await db.deploymentTarget.findMany({ orderBy: { id: "asc" } })).toEqual(targetsBefore);
  });

  it("follows a version change and records the new release", async () => {
    await importFleet();
    const commit = repo.commit(
      appFiles(
        "payments-api",
        "payments",
        { dev: "1.4.0", staging: "1.4.0", prod: "1.3.0" },
        { tier: "critical" },
      ),
      "promote payments-api to staging",
    );
    const result = await runImport();
    expect(result).toMatchObject({ appsCreated: 0, appsUpdated: 0 });
    expect(await versions("payments-api")).toEqual({
      dev: "1.4.0",
      staging: "1.4.0",
      prod: "1.3.0",
    });
    const staging = await db.deploymentTarget.findFirstOrThrow({
      where: { application: { slug: "payments-api" }, environment: { name: "staging" } },
    });
    expect(staging.desiredCommit).toBe(commit);
    // Unchanged targets keep the commit their version was first read at.
    const prod = await db.deploymentTarget.findFirstOrThrow({
      where: { application: { slug: "payments-api" }, environment: { name: "prod" } },
    });
    expect(prod.desiredCommit).not.toBe(commit);
  });

  it("archives an application removed from Git, keeps its history, and restores it when it returns", async () => {
    await importFleet();
    repo.commit({ "apps/ledger-worker": null }, "retire ledger-worker");
    const removed = await runImport();
    expect(removed.appsArchived).toBe(1);
    const archived = await db.application.findUniqueOrThrow({
      where: { slug: "ledger-worker" },
      include: { releases: true },
    });
    expect(archived.archivedAt).not.toBeNull();
    expect(archived.releases.map((r) => r.version)).toEqual(["0.9.1"]);

    repo.commit(
      appFiles("ledger-worker", "payments", { dev: "1.0.0" }),
      "bring ledger-worker back",
    );
    const restored = await runImport();
    expect(restored.appsArchived).toBe(0);
    expect(restored.appsUpdated).toBe(1);
    expect(
      (await db.application.findUniqueOrThrow({ where: { slug: "ledger-worker" } })).archivedAt,
    ).toBeNull();
    expect(await versions("ledger-worker")).toEqual({ dev: "1.0.0" });
  });

  it("reports a malformed app.yaml with file, line and column, and imports every other app", async () => {
    await importFleet();
    repo.commit(
      {
        "apps/checkout-web/app.yaml":
          "name: Checkout\nteam: checkout\nname: Checkout again\nchart: web-service\n",
        ...appFiles("search-api", "search", { dev: "3.1.0", prod: "3.0.0" }),
      },
      "break checkout-web, add search-api",
    );
    const result = await runImport();
    expect(result.appsCreated).toBe(1);
    expect(result.problems).toBe(1);
    const [problem] = await db.importProblem.findMany({ where: { importId: result.importId } });
    expect(problem).toMatchObject({
      applicationSlug: "checkout-web",
      file: "apps/checkout-web/app.yaml",
      line: 3,
    });
    expect(problem?.column).toBe(1);
    expect(problem?.message).toMatch(/YAML syntax: .*unique/i);
    // The broken app keeps what the catalogue knew; it is not archived.
    const checkout = await db.application.findUniqueOrThrow({ where: { slug: "checkout-web" } });
    expect(checkout.archivedAt).toBeNull();
    expect(checkout.name).toBe("checkout-web");
    expect(await versions("search-api")).toEqual({ dev: "3.1.0", prod: "3.0.0" });
  });

  it("locates a schema mistake at the offending key", async () => {
    await importFleet();
    repo.commit(
      {
        "apps/checkout-web/app.yaml":
          "name: Checkout\nteam: checkout\ntier: gold\nchart: web-service\n",
      },
      "bad tier",
    );
    const result = await runImport();
    const problems = await db.importProblem.findMany({ where: { importId: result.importId } });
    expect(problems).toEqual([
      expect.objectContaining({
        file: "apps/checkout-web/app.yaml",
        line: 3,
        applicationSlug: "checkout-web",
      }),
    ]);
    expect(problems[0]?.message).toMatch(/tier/);
  });

  it("keeps a target whose values file lost its version, and says where", async () => {
    await importFleet(appFiles("search-api", "search", { dev: "3.1.0", prod: "3.0.0" }));
    repo.commit(
      {
        "apps/checkout-web/app.yaml":
          appFiles("checkout-web", "checkout", {})["apps/checkout-web/app.yaml"] ?? "",
        "apps/search-api/envs/prod/values.yaml": "# no image here\nreplicas: 3\n",
      },
      "drop the tag",
    );
    const result = await runImport();
    const problems = await db.importProblem.findMany({ where: { importId: result.importId } });
    expect(problems).toEqual([
      expect.objectContaining({
        file: "apps/search-api/envs/prod/values.yaml",
        applicationSlug: "search-api",
      }),
    ]);
    expect(problems[0]?.message).toMatch(/image/);
    expect(await versions("search-api")).toEqual({ dev: "3.1.0", prod: "3.0.0" });
  });

  it("reads an empty tag as the chart's default: no problem, no version, the target kept", async () => {
    await importFleet(appFiles("search-api", "search", { dev: "3.1.0", prod: "3.0.0" }));
    repo.commit(
      {
        "apps/search-api/envs/dev/values.yaml": 'image:\n  tag: ""\n',
        "apps/search-api/envs/prod/values.yaml": "image:\n  tag: ~\n",
      },
      "use the chart's appVersion",
    );
    const result = await runImport();
    expect(await db.importProblem.count({ where: { importId: result.importId } })).toBe(0);
    expect(await versions("search-api")).toEqual({ dev: null, prod: null });
  });

  it("reports values for an environment that environments.yaml does not list", async () => {
    await importFleet(appFiles("search-api", "search", { dev: "3.1.0", prod: "3.0.0" }));
    repo.commit({ "apps/search-api/envs/qa/values.yaml": "image:\n  tag: 1.0.0\n" }, "qa values");
    const result = await runImport();
    const problems = await db.importProblem.findMany({ where: { importId: result.importId } });
    expect(problems.map((p) => p.message)).toContainEqual(
      expect.stringContaining('environment "qa" is not listed'),
    );
  });

  it("fails the whole import on a broken environments.yaml, leaving the catalogue as it was", async () => {
    await importFleet();
    const before = await db.application.findMany({ orderBy: { slug: "asc" } });
    repo.commit(
      { "environments.yaml": "environments:\n  - name: dev\n    clusters: []\n" },
      "break environments",
    );
    await expect(runImport()).rejects.toThrow(/environments\.yaml:\d+:\d+/);
    const failed = await db.catalogImport.findFirstOrThrow({ orderBy: { startedAt: "desc" } });
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/environments\.yaml/);
    expect(await db.application.findMany({ orderBy: { slug: "asc" } })).toEqual(before);
    expect(await db.environment.count({ where: { archivedAt: null } })).toBe(3);
  });

  it("serialises concurrent imports so both finish and agree", async () => {
    await importFleet();
    repo.commit({ "environments.yaml": ENVIRONMENTS_YAML }, "a commit that changes no application");
    const [a, b] = await Promise.all([runImport(), runImport()]);
    expect(a.commit).toBe(b.commit);
    const runs = await db.catalogImport.findMany({ orderBy: { startedAt: "desc" }, take: 2 });
    expect(runs.map((r) => r.status)).toEqual(["succeeded", "succeeded"]);
    expect(a.appsCreated + b.appsCreated).toBe(0);
  });
});
