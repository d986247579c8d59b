import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import { listImports } from "@/lib/catalogue/list-imports";
import type { Db } from "@/lib/db";
import { demoRepositorySeed } from "@/lib/demo/generate-repository";
import { GitHubClient } from "@/lib/git/github/client";
import { ensureLocalRepository } from "@/lib/git/local/ensure-repository";
import { LocalGitProvider } from "@/lib/git/local/local-provider";
import { QUEUES, startBoss } from "@/lib/jobs/boss";
import { metrics } from "@/lib/metrics";
import {
  instrumentRequests,
  routeLabeler,
  timePostgresQueries,
} from "@/lib/runtime/http-instrumentation";
import { createMetricsEndpoint } from "@/lib/runtime/metrics-endpoint";
import { createTestDatabase } from "@/test/support/db";

const appDir = path.resolve(import.meta.dirname, "..", "..", "app");

async function serve(
  handler: (request: http.IncomingMessage, response: http.ServerResponse) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("metrics and Server-Timing", () => {
  let db: Db;
  let url: string;
  let drop: () => Promise<void>;
  let dataDir: string;

  beforeAll(async () => {
    ({ db, url, drop } = await createTestDatabase());
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-metrics-"));
  });
  afterAll(async () => {
    await drop?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("labels requests by the app/ route they serve, so labels stay few", () => {
    const routeOf = routeLabeler(appDir);
    expect(routeOf("/apps/payments-api")).toBe("/apps/[slug]");
    expect(routeOf("/apps")).toBe("/apps");
    expect(routeOf("/api/v1/promotions/0b9c/merge")).toBe("/api/v1/promotions/[id]/merge");
    expect(routeOf("/api/auth/sign-in/email")).toBe("/api/auth/[...all]");
    expect(routeOf("/no/such/page")).toBe("other");
  });

  it("puts queue, db, render and total in Server-Timing and observes the latency by route", async () => {
    timePostgresQueries();
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const server = await serve(
      instrumentRequests((_request, response) => {
        void pool.query("SELECT pg_sleep(0.02)").then(() => {
          response.writeHead(200, { "content-type": "text/plain" }).end("ok");
        });
      }, routeLabeler(appDir)),
    );
    try {
      const response = await fetch(`${server.url}/apps/some-app`);
      const header = response.headers.get("server-timing") ?? "";
      const figures = Object.fromEntries(
        [...header.matchAll(/(\w+);dur=([\d.]+)/g)].map(([, name, value]) => [name, Number(value)]),
      );
      expect(Object.keys(figures)).toEqual(["queue", "db", "render", "total"]);
      expect(figures.db).toBeGreaterThan(0);
      expect(figures.total).toBeGreaterThanOrEqual(figures.db ?? 0);
      const text = await metrics().registry.metrics();
      expect(text).toMatch(
        /gantry_http_request_duration_seconds_count\{method="GET",route="\/apps\/\[slug\]",status="200"\} [1-9]/,
      );
    } finally {
      await server.close();
      await pool.end();
    }
  });

  it("records each import's duration: in its result, on /imports and in /metrics", async () => {
    await ensureLocalRepository({
      dataDir,
      repository: "gitops",
      branch: "main",
      seed: demoRepositorySeed({ apps: 2 }),
    });
    const git = new LocalGitProvider({ dataDir, repository: "gitops", defaultBranch: "main" });
    const result = await importCatalogue({ db, git, versionPath: "image.tag", trigger: "test" });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    const { runs } = await listImports({ db });
    expect(runs.find((run) => run.id === result.importId)?.durationMs).toBe(result.durationMs);
    expect(await metrics().registry.metrics()).toMatch(
      /gantry_catalog_import_duration_seconds_count\{trigger="test",status="succeeded"\} [1-9]/,
    );
  });

  it("serves /metrics only with its token, with queue depth and stale clusters read from the database", async () => {
    // The demo fleet's clusters, imported here: this test needs one to go stale.
    await ensureLocalRepository({
      dataDir,
      repository: "gitops",
      branch: "main",
      seed: demoRepositorySeed({ apps: 2 }),
    });
    const git = new LocalGitProvider({ dataDir, repository: "gitops", defaultBranch: "main" });
    await importCatalogue({ db, git, versionPath: "image.tag", trigger: "test" });
    const boss = await startBoss(url, { max: 1 });
    await boss.send(QUEUES.pollPullRequests, {});
    await boss.stop({ graceful: false });
    const staleCluster = await db.cluster.findFirstOrThrow({});
    await db.cluster.update({
      where: { id: staleCluster.id },
      data: { lastSeenAt: new Date(Date.now() - 3_600_000) },
    });

    const endpoint = createMetricsEndpoint({
      databaseUrl: url,
      token: "a-metrics-token-0123456789",
      staleAfterSeconds: 300,
    });
    const server = await serve((request, response) => void endpoint.handle(request, response));
    try {
      expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
      expect(
        (await fetch(`${server.url}/metrics`, { headers: { authorization: "Bearer wrong" } }))
          .status,
      ).toBe(401);
      const scraped = await fetch(`${server.url}/metrics`, {
        headers: { authorization: "Bearer a-metrics-token-0123456789" },
      });
      expect(scraped.status).toBe(200);
      expect(scraped.headers.get("content-type")).toContain("text/plain");
      const text = await scraped.text();
      expect(text).toContain(
        `gantry_job_queue_depth{queue="${QUEUES.pollPullRequests}",state="created"} 1`,
      );
      expect(text).toMatch(/^gantry_stale_clusters [1-9]/m);
      expect(text).toContain("gantry_github_rate_limit_remaining");
      expect(text).toContain("gantry_sync_reports_ingested_total");
    } finally {
      await server.close();
      await endpoint.close();
    }
  });
});

describe("GitHub calls in /metrics", () => {
  it("counts each call by method and status and keeps the remaining rate limit", async () => {
    const github = await serve((_request, response) => {
      response
        .writeHead(200, {
          "content-type": "application/json",
          "x-ratelimit-remaining": "4321",
          "x-ratelimit-resource": "core",
        })
        .end(JSON.stringify({ login: "gantry-bot" }));
    });
    try {
      const client = new GitHubClient({
        apiUrl: github.url,
        auth: { type: "token", token: "test-token" },
        throttling: false,
      });
      await client.octokit.rest.users.getAuthenticated();
      const text = await metrics().registry.metrics();
      expect(text).toMatch(/gantry_github_requests_total\{method="GET",status="200"\} [1-9]/);
      expect(text).toContain('gantry_github_rate_limit_remaining{resource="core"} 4321');
    } finally {
      await github.close();
    }
  });
});
