import { timingSafeEqual } from "node:crypto";
import type http from "node:http";
import pg from "pg";
import { JOBS_SCHEMA } from "@/lib/jobs/boss";
import { outageLog } from "@/lib/log";
import { metrics } from "@/lib/metrics";

/**
 * `GET /metrics` in Prometheus' text format. On the portal's port it needs
 * `Authorization: Bearer <GANTRY_METRICS_TOKEN>` (and is off without one);
 * on GANTRY_METRICS_PORT, a port of its own meant for the scraper's network
 * only, it needs none. Queue depth, failed jobs and stale clusters are read
 * from the database at each scrape; a database that does not answer leaves
 * them at their last values and the rest is still served.
 */
export function createMetricsEndpoint(params: {
  databaseUrl: string;
  /** Required bearer token; undefined on the dedicated metrics port. */
  token: string | undefined;
  staleAfterSeconds: number;
}): {
  handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void>;
  close(): Promise<void>;
} {
  const pool = new pg.Pool({
    connectionString: params.databaseUrl,
    max: 1,
    connectionTimeoutMillis: 2000,
    application_name: "gantry-metrics",
  });
  pool.on("error", () => {}); // an idle connection lost with the database; the next scrape reconnects
  const expected = params.token ? Buffer.from(`Bearer ${params.token}`) : undefined;

  return {
    async handle(request, response) {
      if (expected) {
        const given = Buffer.from(request.headers.authorization ?? "");
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          response
            .writeHead(401, {
              "content-type": "application/json",
              "www-authenticate": 'Bearer realm="gantry-metrics"',
            })
            .end(
              JSON.stringify({
                error: { code: "unauthorized", message: "metrics need the metrics bearer token" },
              }),
            );
          return;
        }
      }
      await refreshDatabaseFigures(pool, params.staleAfterSeconds);
      const { registry } = metrics();
      response.writeHead(200, { "content-type": registry.contentType });
      response.end(await registry.metrics());
    },
    close: () => pool.end(),
  };
}

async function refreshDatabaseFigures(pool: pg.Pool, staleAfterSeconds: number): Promise<void> {
  const m = metrics();
  try {
    const jobs = await pool.query<{ name: string; state: string; count: string }>(
      `SELECT name, state::text AS state, count(*)::text AS count FROM ${JOBS_SCHEMA}.job
       WHERE state IN ('created', 'retry', 'active', 'failed') GROUP BY name, state`,
    );
    m.jobQueueDepth.reset();
    m.jobFailures.reset();
    for (const row of jobs.rows) {
      if (row.state === "failed") m.jobFailures.set({ queue: row.name }, Number(row.count));
      else m.jobQueueDepth.set({ queue: row.name, state: row.state }, Number(row.count));
    }
    const stale = await pool.query<{ count: string }>(
      `SELECT count(*)::text AS count FROM "Cluster"
       WHERE "archivedAt" IS NULL AND "lastSeenAt" < now() - make_interval(secs => $1)`,
      [staleAfterSeconds],
    );
    m.staleClusters.set(Number(stale.rows[0]?.count ?? 0));
    outageLog.recovered("metrics", "metrics read the database again");
  } catch (error) {
    outageLog.failing("metrics", "metrics could not read the database", { error });
  }
}
