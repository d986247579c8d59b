import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { listOutages } from "@/lib/sync/list-outages";
import { createTestDatabase, type TestDatabase } from "@/test/support/db";

const NOW = new Date("2026-12-03T12:00:00Z");
const minutesAgo = (n: number) => new Date(NOW.getTime() - n * 60_000);

let database: TestDatabase;
let db: PrismaClient;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
});
afterAll(async () => {
  await database?.drop();
});

async function importRun(
  status: "succeeded" | "failed",
  startedMinutesAgo: number,
  error?: string,
) {
  await db.catalogImport.create({
    data: {
      repository: "gitops",
      ref: "main",
      status,
      trigger: "test",
      startedAt: minutesAgo(startedMinutesAgo),
      finishedAt: minutesAgo(startedMinutesAgo - 1),
      error,
    },
  });
}

describe("listOutages", () => {
  it("names the silent clusters and the failing Git host, each with since when", async () => {
    const prod = await db.environment.create({
      data: { name: "prod", displayName: "Production", position: 0 },
    });
    const cluster = (name: string, data: { lastSeenAt?: Date; archivedAt?: Date } = {}) =>
      db.cluster.create({
        data: { name, environmentId: prod.id, createdAt: minutesAgo(600), ...data },
      });
    await cluster("fresh", { lastSeenAt: minutesAgo(1) });
    await cluster("silent", { lastSeenAt: minutesAgo(30) });
    await cluster("never");
    await cluster("retired", { lastSeenAt: minutesAgo(300), archivedAt: minutesAgo(200) });

    const quiet = await listOutages({ db, now: NOW, staleAfterSeconds: 300 });
    expect(quiet.git).toBe(null);
    expect(quiet.clusters).toEqual([
      { name: "never", environment: "prod", lastSeenAt: null, since: minutesAgo(600) },
      { name: "silent", environment: "prod", lastSeenAt: minutesAgo(30), since: minutesAgo(30) },
    ]);

    // Read fine, then three failures: failing since the first of them, last read at the success.
    await importRun("failed", 400, "an older failure, before the last success");
    await importRun("succeeded", 100);
    await importRun("failed", 60, "git: could not connect to github.example.com");
    await importRun("failed", 30, "git: could not connect to github.example.com");
    await importRun("failed", 10, "git: timed out after 30 s");
    const failing = await listOutages({ db, now: NOW, staleAfterSeconds: 300 });
    expect(failing.git).toEqual({
      since: minutesAgo(60),
      lastReadAt: minutesAgo(99),
      error: "git: timed out after 30 s",
    });

    // One success ends it.
    await importRun("succeeded", 5);
    expect((await listOutages({ db, now: NOW, staleAfterSeconds: 300 })).git).toBe(null);
  });

  it("names the first failure and the last success however long the Git host has failed", async () => {
    // After the first test's imports: a success, then sixty failures a second apart.
    const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
    const run = (status: "succeeded" | "failed", seconds: number, error?: string) => ({
      repository: "gitops",
      ref: "main",
      status,
      trigger: "test",
      startedAt: at(seconds),
      finishedAt: at(seconds + 0.5),
      error,
    });
    await db.catalogImport.createMany({
      data: [
        run("succeeded", 0),
        ...Array.from({ length: 60 }, (_, n) => run("failed", n + 1, `failure ${n + 1}`)),
      ],
    });
    const outage = await listOutages({ db, now: at(61), staleAfterSeconds: 300 });
    expect(outage.git).toEqual({ since: at(1), lastReadAt: at(0.5), error: "failure 60" });
  });
});
