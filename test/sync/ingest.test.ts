import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as reports from "@/app/api/v1/clusters/[cluster]/reports/route";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import type { Db } from "@/lib/db";
import { registerClusterToken } from "@/lib/sync/register-cluster-token";
import { revokeClusterToken } from "@/lib/sync/revoke-cluster-token";
import { rotateClusterToken } from "@/lib/sync/rotate-cluster-token";
import {
  listApplicationSyncStatus,
  listClusterSyncSummaries,
} from "@/lib/sync-status/list-sync-status";
import { listSyncStatusChanges } from "@/lib/sync-status/list-sync-status-changes";
import { MAX_REPORT_BYTES, type StatusItem, type SyncReport } from "@/lib/sync-status/report";
import {
  appFiles,
  CHART_YAML,
  createGitopsFixture,
  ENVIRONMENTS_YAML,
  type GitopsFixture,
} from "@/test/catalogue/gitops-fixture";
import { createTestDatabase } from "@/test/support/db";

const APPS = ["checkout", "search", "ledger"] as const;
const T0 = Date.parse("2026-01-01T00:00:00Z");
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

type ErrorBody = {
  error?: { code: string; message: string; details?: Record<string, unknown> };
};

/**
 * The ingest endpoint through its route handler, against a real Postgres
 * with a catalogue imported from a real GitOps repository: dev-eu-1 (dev),
 * staging-eu-1 (staging), prod-eu-1 and prod-us-1 (prod).
 */
describe("POST /api/v1/clusters/{cluster}/reports", () => {
  let repo: GitopsFixture;
  let db: Db;
  let drop: () => Promise<void>;
  const tokens: Record<string, string> = {};
  const saved: Record<string, string | undefined> = {};
  let sequence = 0;

  beforeAll(async () => {
    repo = createGitopsFixture();
    const files: Record<string, string> = {
      "environments.yaml": ENVIRONMENTS_YAML,
      "charts/web-service/Chart.yaml": CHART_YAML,
    };
    for (const app of APPS) {
      Object.assign(files, appFiles(app, "payments", { dev: "1.1.0", prod: "1.0.0" }));
    }
    repo.commit(files, "fleet");
    let url: string;
    ({ db, drop, url } = await createTestDatabase());
    await importCatalogue({ db, git: repo.provider, versionPath: "image.tag", trigger: "test" });
    for (const name of ["DATABASE_URL"]) saved[name] = process.env[name];
    process.env.DATABASE_URL = url;
    globalThis.gantryDb = db;
    for (const cluster of ["dev-eu-1", "prod-eu-1", "prod-us-1"]) {
      tokens[cluster] = (await registerClusterToken({ db, cluster })).token;
    }
  });
  afterAll(async () => {
    globalThis.gantryDb = undefined;
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await drop?.();
    repo?.cleanup();
  });

  function item(
    application: string,
    name: string,
    overrides: Partial<StatusItem> & { environment?: string } = {},
  ): StatusItem {
    return {
      application,
      environment: "prod",
      source: { kind: "argocd-application", namespace: "argocd", name },
      syncState: "Synced",
      health: "Healthy",
      syncedRevision: "a".repeat(40),
      observedAt: at(0),
      ...overrides,
    };
  }

  function report(items: StatusItem[], overrides: Partial<SyncReport> = {}): SyncReport {
    sequence += 1;
    return {
      schemaVersion: 1,
      agent: { version: "0.1.0-test", mode: "agent" },
      kind: "delta",
      sequence,
      sentAt: at(1_000),
      items,
      ...overrides,
    };
  }

  async function post(
    cluster: string,
    body: SyncReport | string,
    options: { token?: string | null; gzip?: boolean } = {},
  ) {
    const headers = new Headers({ "content-type": "application/json" });
    const token = options.token === undefined ? tokens[cluster] : options.token;
    if (token !== null && token !== undefined) headers.set("authorization", `Bearer ${token}`);
    let payload: string | Uint8Array<ArrayBuffer> =
      typeof body === "string" ? body : JSON.stringify(body);
    if (options.gzip) {
      payload = gzipSync(payload);
      headers.set("content-encoding", "gzip");
    }
    const response = await reports.POST(
      new Request(`http://gantry.test/api/v1/clusters/${cluster}/reports`, {
        method: "POST",
        headers,
        body: payload,
      }),
      { params: Promise.resolve({ cluster }) },
    );
    return { status: response.status, body: (await response.json()) as ErrorBody & object };
  }

  const statusCount = () => db.syncStatus.count();
  const changeCount = () => db.syncStatusChange.count();

  async function statusOf(cluster: string, name: string) {
    return db.syncStatus.findFirstOrThrow({
      where: { cluster: { name: cluster }, sourceKind: "argocd-application", name },
    });
  }

  it("refuses a missing, malformed, unknown or revoked token with 401, writing nothing", async () => {
    const before = [await statusCount(), await changeCount()];
    const body = report([item("checkout", "auth-1")]);
    expect((await post("prod-eu-1", body, { token: null })).status).toBe(401);
    expect((await post("prod-eu-1", body, { token: "not-a-token" })).status).toBe(401);
    const unknown = await post("prod-eu-1", body, { token: `gantry_cluster_${"x".repeat(43)}` });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error?.message).not.toContain("x".repeat(43));

    const { token } = await registerClusterToken({ db, cluster: "staging-eu-1" });
    await revokeClusterToken({ db, cluster: "staging-eu-1" });
    const revoked = await post(
      "staging-eu-1",
      report([item("checkout", "auth-2", { environment: "staging" })]),
      { token },
    );
    expect(revoked.status).toBe(401);
    expect([await statusCount(), await changeCount()]).toEqual(before);
  });

  it("refuses another cluster's token with 403", async () => {
    const response = await post("prod-eu-1", report([item("checkout", "auth-3")]), {
      token: tokens["prod-us-1"],
    });
    expect(response.status).toBe(403);
    expect(response.body.error?.message).toMatch(/another cluster/);
    expect(await db.syncStatus.count({ where: { name: "auth-3" } })).toBe(0);
  });

  it("a rotated token replaces the old one; issuing twice is refused", async () => {
    await expect(registerClusterToken({ db, cluster: "prod-us-1" })).rejects.toMatchObject({
      code: "conflict",
    });
    const old = tokens["prod-us-1"];
    const { token } = await rotateClusterToken({ db, cluster: "prod-us-1" });
    tokens["prod-us-1"] = token;
    expect((await post("prod-us-1", report([]), { token: old })).status).toBe(401);
    expect((await post("prod-us-1", report([]))).status).toBe(200);
  });

  it("refuses a malformed report with 400 naming the fields, writing nothing", async () => {
    const before = [await statusCount(), await changeCount()];
    const bad = {
      ...report([item("checkout", "bad-1")]),
      items: [{ ...item("checkout", "bad-1"), health: "Fine" }],
    };
    const response = await post("prod-eu-1", JSON.stringify(bad));
    expect(response.status).toBe(400);
    expect(response.body.error?.message).toContain("items[0].health");

    const notJson = await post("prod-eu-1", "{ not json");
    expect(notJson.status).toBe(400);
    expect(notJson.body.error?.message).toMatch(/not valid JSON/);

    const missingField = await post("prod-eu-1", JSON.stringify({ schemaVersion: 1 }));
    expect(missingField.status).toBe(400);
    expect(missingField.body.error?.message).toContain("items");
    expect([await statusCount(), await changeCount()]).toEqual(before);
  });

  it("refuses an oversized report with 413, plain or as a gzip bomb, writing nothing", async () => {
    const before = [await statusCount(), await changeCount()];
    const padded = JSON.stringify({
      ...report([item("checkout", "big-1")]),
      padding: " ".repeat(MAX_REPORT_BYTES),
    });
    expect((await post("prod-eu-1", padded)).status).toBe(413);

    // ~64 MiB of JSON whitespace compresses to ~64 KiB: only the inflated size counts.
    const bomb = gzipSync(Buffer.alloc(MAX_REPORT_BYTES * 8, " "));
    expect(bomb.byteLength).toBeLessThan(MAX_REPORT_BYTES / 10);
    const headers = new Headers({
      authorization: `Bearer ${tokens["prod-eu-1"]}`,
      "content-encoding": "gzip",
    });
    const response = await reports.POST(
      new Request("http://gantry.test/api/v1/clusters/prod-eu-1/reports", {
        method: "POST",
        headers,
        body: bomb,
      }),
      { params: Promise.resolve({ cluster: "prod-eu-1" }) },
    );
    expect(response.status).toBe(413);
    expect([await statusCount(), await changeCount()]).toEqual(before);
  });

  it("refuses a report naming an unknown app or another environment with 422, writing nothing", async () => {
    const before = [await statusCount(), await changeCount()];
    const response = await post(
      "prod-eu-1",
      report([
        item("checkout", "reg-ok"),
        item("ghost-app", "reg-ghost"),
        item("search", "reg-dev", { environment: "dev" }),
      ]),
    );
    expect(response.status).toBe(422);
    const message = response.body.error?.message ?? "";
    expect(message).toMatch(/nothing written/);
    expect(message).toContain("items[1]: application ghost-app is not in the catalogue");
    expect(message).toContain(
      "items[2]: cluster prod-eu-1 is registered for environment prod, not dev",
    );
    expect(response.body.error?.details?.rejectedCount).toBe(2);
    expect([await statusCount(), await changeCount()]).toEqual(before);
    const cluster = await db.cluster.findUniqueOrThrow({ where: { name: "prod-eu-1" } });
    expect(cluster.lastReportError).toContain("ghost-app");

    // The next accepted report clears the error.
    expect((await post("prod-eu-1", report([]))).status).toBe(200);
    const cleared = await db.cluster.findUniqueOrThrow({ where: { name: "prod-eu-1" } });
    expect(cleared.lastReportError).toBeNull();
  });

  it("upserts the current state and appends history only when something changed", async () => {
    const first = await post("prod-eu-1", report([item("checkout", "up-1")]));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ items: 1, written: 1, changes: 1 });

    // The same state observed again: nothing to write.
    const same = await post("prod-eu-1", report([item("checkout", "up-1", { observedAt: at(5) })]));
    expect(same.body).toMatchObject({ written: 0, unchanged: 1, changes: 0 });

    // Only the message changed: the row, not the history.
    const message = await post(
      "prod-eu-1",
      report([item("checkout", "up-1", { observedAt: at(6), message: "reconciled" })]),
    );
    expect(message.body).toMatchObject({ written: 1, changes: 0 });

    // Health and revision changed: one history row.
    const changed = await post(
      "prod-eu-1",
      report([
        item("checkout", "up-1", {
          observedAt: at(7),
          syncState: "OutOfSync",
          health: "Progressing",
          syncedRevision: "b".repeat(40),
          message: "syncing to bbbbbbb",
        }),
      ]),
      { gzip: true },
    );
    expect(changed.body).toMatchObject({ written: 1, changes: 1 });

    const row = await statusOf("prod-eu-1", "up-1");
    expect(row).toMatchObject({
      syncState: "OutOfSync",
      health: "Progressing",
      syncedRevision: "b".repeat(40),
      message: "syncing to bbbbbbb",
    });
    const history = await db.syncStatusChange.findMany({
      where: { syncStatusId: row.id },
      orderBy: { observedAt: "asc" },
    });
    expect(history.map((h) => [h.syncState, h.health])).toEqual([
      ["Synced", "Healthy"],
      ["OutOfSync", "Progressing"],
    ]);
    const appHistory = await listSyncStatusChanges({ db, application: "checkout" });
    expect(
      appHistory
        .filter((change) => change.object.name === "up-1")
        .map((change) => [change.cluster, change.environment, change.health]),
    ).toEqual([
      ["prod-eu-1", "prod", "Progressing"],
      ["prod-eu-1", "prod", "Healthy"],
    ]);
  });

  it("keeps the newest state: an older observation is ignored, also within one report", async () => {
    await post("prod-us-1", report([item("search", "new-1", { observedAt: at(20) })]));
    const older = await post(
      "prod-us-1",
      report([item("search", "new-1", { observedAt: at(10), health: "Degraded" })]),
    );
    expect(older.body).toMatchObject({ written: 0, changes: 0 });
    expect((await statusOf("prod-us-1", "new-1")).health).toBe("Healthy");

    const repeated = await post(
      "prod-us-1",
      report([
        item("search", "new-2", { observedAt: at(30), health: "Degraded" }),
        item("search", "new-2", { observedAt: at(25), health: "Progressing" }),
      ]),
    );
    expect(repeated.status).toBe(200);
    expect((await statusOf("prod-us-1", "new-2")).health).toBe("Degraded");
  });

  it("a snapshot marks the cluster's objects it does not list as Missing; a deleted item too", async () => {
    const kept = item("checkout", "snap-kept", { environment: "dev", observedAt: at(40) });
    const gone = item("search", "snap-gone", { environment: "dev", observedAt: at(40) });
    const deleted = item("ledger", "snap-deleted", { environment: "dev", observedAt: at(40) });
    const elsewhere = item("checkout", "snap-elsewhere", { observedAt: at(40) });
    expect((await post("prod-us-1", report([elsewhere]))).status).toBe(200);
    expect((await post("dev-eu-1", report([kept, gone, deleted]))).status).toBe(200);

    const delta = await post(
      "dev-eu-1",
      report([{ ...deleted, observedAt: at(45), deleted: true }]),
    );
    expect(delta.body).toMatchObject({ written: 1, changes: 1 });
    expect(await statusOf("dev-eu-1", "snap-deleted")).toMatchObject({
      health: "Missing",
      syncState: "Unknown",
    });

    const snapshot = await post(
      "dev-eu-1",
      report([{ ...kept, observedAt: at(50) }], { kind: "snapshot", sentAt: at(50) }),
    );
    expect(snapshot.body).toMatchObject({ missing: 1, changes: 1 });
    const missing = await statusOf("dev-eu-1", "snap-gone");
    expect(missing).toMatchObject({ health: "Missing", syncState: "Unknown" });
    expect(missing.deletedAt).not.toBeNull();
    expect((await statusOf("dev-eu-1", "snap-kept")).health).toBe("Healthy");
    // Other clusters' objects are untouched by dev-eu-1's snapshot.
    expect((await statusOf("prod-us-1", "snap-elsewhere")).health).toBe("Healthy");

    // The object comes back: it is present again.
    const back = await post("dev-eu-1", report([{ ...gone, observedAt: at(60) }]));
    expect(back.body).toMatchObject({ written: 1, changes: 1 });
    expect((await statusOf("dev-eu-1", "snap-gone")).deletedAt).toBeNull();
  });

  it("serialises concurrent reports of one cluster: every change recorded once", async () => {
    const responses = await Promise.all(
      [1, 2, 3, 4].map((round) =>
        post(
          "prod-us-1",
          report([
            item("checkout", "race-1", {
              observedAt: at(100 + round),
              syncedRevision: String(round).repeat(40),
            }),
          ]),
        ),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const row = await statusOf("prod-us-1", "race-1");
    expect(row.syncedRevision).toBe("4".repeat(40));
    const history = await db.syncStatusChange.count({ where: { syncStatusId: row.id } });
    const written = responses.reduce(
      (sum, r) => sum + ("changes" in r.body ? Number(r.body.changes) : 0),
      0,
    );
    expect(history).toBe(written);
    expect(history).toBeGreaterThanOrEqual(1);
  });

  it("reads a cluster not heard from within the bound as Unknown and stale, never Synced", async () => {
    const response = await post(
      "prod-eu-1",
      report([item("ledger", "stale-1", { syncedRevision: "c".repeat(40) })]),
    );
    expect(response.status).toBe(200);
    const cluster = await db.cluster.findUniqueOrThrow({ where: { name: "prod-eu-1" } });
    const lastSeen = cluster.lastSeenAt;
    if (!lastSeen) throw new Error("lastSeenAt not set");
    expect(cluster.agentVersion).toBe("0.1.0-test");

    const fresh = await listApplicationSyncStatus({
      db,
      application: "ledger",
      now: new Date(lastSeen.getTime() + 299_000),
      staleAfterSeconds: 300,
    });
    const freshRow = fresh.find((row) => row.cluster.name === "prod-eu-1");
    expect(freshRow).toMatchObject({
      syncState: "Synced",
      health: "Healthy",
      stale: false,
      desiredVersion: "1.0.0",
      syncedRevision: "c".repeat(40),
    });
    // prod-us-1 never reported for ledger: Unknown, not Synced.
    expect(fresh.find((row) => row.cluster.name === "prod-us-1")).toMatchObject({
      syncState: "Unknown",
      reported: null,
    });

    const later = new Date(lastSeen.getTime() + 301_000);
    const stale = await listApplicationSyncStatus({
      db,
      application: "ledger",
      now: later,
      staleAfterSeconds: 300,
    });
    expect(stale.find((row) => row.cluster.name === "prod-eu-1")).toMatchObject({
      syncState: "Unknown",
      health: "Unknown",
      stale: true,
      reported: { syncState: "Synced", health: "Healthy" },
    });

    const summaries = await listClusterSyncSummaries({ db, now: later, staleAfterSeconds: 300 });
    const summary = summaries.find((s) => s.name === "prod-eu-1");
    expect(summary?.stale).toBe(true);
    expect(summary?.health.Healthy).toBe(0);
    expect(summary?.health.Unknown).toBe(summary?.objects);
    const staging = summaries.find((s) => s.name === "staging-eu-1");
    expect(staging).toMatchObject({ stale: true, lastSeenAt: null, hasToken: false });
  });
});
