import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CatalogueQuery, parseCatalogueQuery } from "@/lib/catalogue/catalogue-query";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import { listApplications } from "@/lib/catalogue/list-applications";
import type { Db } from "@/lib/db";
import type { HealthState, SyncState } from "@/lib/sync-status/report";
import { createTestDatabase } from "@/test/support/db";
import {
  appFiles,
  CHART_YAML,
  createGitopsFixture,
  ENVIRONMENTS_YAML,
  type GitopsFixture,
} from "./gitops-fixture";

const STALE_AFTER_SECONDS = 120;
const VERSIONS = { dev: "1.1.0", staging: "1.1.0", prod: "1.0.0" };

function query(params: Record<string, string> = {}): CatalogueQuery {
  const parsed = parseCatalogueQuery(params);
  if (!parsed.ok) throw new Error(parsed.errors.join("; "));
  return parsed.query;
}

/**
 * Four apps on the fixture's clusters (dev-eu-1, staging-eu-1, prod-eu-1,
 * prod-us-1), dev-eu-1 last heard from ten minutes ago, the others just now:
 * - alpha: prod-eu-1 Synced/Healthy, prod-us-1 OutOfSync with a Degraded
 *   Deployment; staging Synced/Healthy; nothing reported in dev.
 * - bravo: only prod-eu-1 reports it; prod-us-1 never has.
 * - charlie: dev-eu-1 (stale) last said OutOfSync/Degraded.
 * - delta: Synced/Healthy everywhere it is reported.
 */
describe("catalogue sync status", () => {
  let repo: GitopsFixture;
  let db: Db;
  let drop: () => Promise<void>;
  const now = new Date();

  beforeAll(async () => {
    repo = createGitopsFixture();
    repo.commit(
      {
        "environments.yaml": ENVIRONMENTS_YAML,
        "charts/web-service/Chart.yaml": CHART_YAML,
        ...appFiles("alpha", "payments", VERSIONS),
        ...appFiles("bravo", "payments", VERSIONS),
        ...appFiles("charlie", "search", VERSIONS),
        ...appFiles("delta", "search", VERSIONS),
      },
      "fleet",
    );
    ({ db, drop } = await createTestDatabase());
    await importCatalogue({ db, git: repo.provider, versionPath: "image.tag", trigger: "test" });

    const clusters = new Map(
      (await db.cluster.findMany({ select: { id: true, name: true, environmentId: true } })).map(
        (c) => [c.name, c],
      ),
    );
    const apps = new Map(
      (await db.application.findMany({ select: { id: true, slug: true } })).map((a) => [
        a.slug,
        a.id,
      ]),
    );
    const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
    await db.cluster.updateMany({ data: { lastSeenAt: minutesAgo(0.5) } });
    await db.cluster.update({ where: { name: "dev-eu-1" }, data: { lastSeenAt: minutesAgo(10) } });
    // An archived cluster that never reported anything must not make prod stale.
    const prod = clusters.get("prod-eu-1");
    if (!prod) throw new Error("fixture has no prod-eu-1");
    await db.cluster.create({
      data: { name: "prod-retired", environmentId: prod.environmentId, archivedAt: now },
    });

    const report = (
      app: string,
      cluster: string,
      kind: string,
      syncState: SyncState,
      health: HealthState,
    ) => {
      const c = clusters.get(cluster);
      const applicationId = apps.get(app);
      if (!c || !applicationId) throw new Error(`unknown ${app} or ${cluster}`);
      return {
        applicationId,
        clusterId: c.id,
        environmentId: c.environmentId,
        sourceKind: kind,
        namespace: app,
        name: app,
        syncState,
        health,
        observedAt: now,
        receivedAt: now,
        changedAt: now,
      };
    };
    await db.syncStatus.createMany({
      data: [
        report("alpha", "prod-eu-1", "argocd-application", "Synced", "Healthy"),
        report("alpha", "prod-eu-1", "deployment", "Synced", "Healthy"),
        report("alpha", "prod-us-1", "argocd-application", "OutOfSync", "Progressing"),
        report("alpha", "prod-us-1", "deployment", "Synced", "Degraded"),
        report("alpha", "staging-eu-1", "argocd-application", "Synced", "Healthy"),
        report("bravo", "prod-eu-1", "argocd-application", "Synced", "Healthy"),
        report("charlie", "dev-eu-1", "argocd-application", "OutOfSync", "Degraded"),
        report("delta", "prod-eu-1", "argocd-application", "Synced", "Healthy"),
        report("delta", "prod-us-1", "argocd-application", "Synced", "Healthy"),
        report("delta", "staging-eu-1", "argocd-application", "Synced", "Healthy"),
      ],
    });
  });
  afterAll(async () => {
    await drop?.();
    repo?.cleanup();
  });

  const list = (params: Record<string, string> = {}) =>
    listApplications({ db, query: query(params), now, staleAfterSeconds: STALE_AFTER_SECONDS });

  it("combines each environment's clusters into the cell: worst health, combined sync", async () => {
    const { rows } = await list();
    const alpha = rows.find((r) => r.slug === "alpha");
    expect(alpha?.versions.prod).toBe("1.0.0");
    expect(alpha?.status).toEqual({
      dev: null,
      staging: { sync: "Synced", health: "Healthy", stale: false },
      prod: { sync: "OutOfSync", health: "Degraded", stale: false },
    });
    expect(rows.find((r) => r.slug === "delta")?.status).toEqual({
      dev: null,
      staging: { sync: "Synced", health: "Healthy", stale: false },
      prod: { sync: "Synced", health: "Healthy", stale: false },
    });
  });

  it("shows a stale cluster, or one that never reported the app, as stale and Unknown", async () => {
    const { rows } = await list();
    // charlie's only dev cluster said OutOfSync/Degraded, ten minutes ago.
    expect(rows.find((r) => r.slug === "charlie")?.status.dev).toEqual({
      sync: "Unknown",
      health: "Unknown",
      stale: true,
    });
    // bravo: prod-eu-1 says Synced/Healthy, prod-us-1 has said nothing.
    expect(rows.find((r) => r.slug === "bravo")?.status.prod).toEqual({
      sync: "Unknown",
      health: "Unknown",
      stale: true,
    });
    // With a bound long enough, dev-eu-1 is fresh again and its own words show.
    const lenient = await listApplications({
      db,
      query: query({ q: "charlie" }),
      now,
      staleAfterSeconds: 3600,
    });
    expect(lenient.rows[0]?.status.dev).toEqual({
      sync: "OutOfSync",
      health: "Degraded",
      stale: false,
    });
  });

  it("filters by out of sync, degraded and stale", async () => {
    const slugs = async (params: Record<string, string>) =>
      (await list(params)).rows.map((r) => r.slug);
    expect(await slugs({})).toEqual(["alpha", "bravo", "charlie", "delta"]);
    expect(await slugs({ status: "out-of-sync" })).toEqual(["alpha"]);
    expect(await slugs({ status: "degraded" })).toEqual(["alpha"]);
    expect(await slugs({ status: "stale" })).toEqual(["bravo", "charlie"]);
    expect(await slugs({ status: "stale", team: "search" })).toEqual(["charlie"]);
    expect((await list({ status: "degraded" })).total).toBe(1);
  });

  it("applies the staleness bound in the filter too", async () => {
    const lenient = async (status: string) =>
      (
        await listApplications({
          db,
          query: query({ status }),
          now,
          staleAfterSeconds: 3600,
        })
      ).rows.map((r) => r.slug);
    expect(await lenient("degraded")).toEqual(["alpha", "charlie"]);
    expect(await lenient("out-of-sync")).toEqual(["alpha", "charlie"]);
    // bravo stays stale: prod-us-1 has never reported it.
    expect(await lenient("stale")).toEqual(["bravo"]);
  });
});
