import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * Gantry's Prometheus metrics, one registry per process. Kept on globalThis:
 * under `npm start` the server wrapper, the job runner and Next.js's bundle of
 * the route handlers load this module separately, and all must count into
 * the same registry. Figures read from the database (queue depth, stale
 * clusters) are filled in at scrape time (lib/runtime/metrics-endpoint.ts).
 */
export interface GantryMetrics {
  registry: Registry;
  httpDuration: Histogram<"method" | "route" | "status">;
  importDuration: Histogram<"trigger" | "status">;
  reportsIngested: Counter<"outcome">;
  githubCalls: Counter<"method" | "status">;
  githubRateLimitRemaining: Gauge<"resource">;
  jobQueueDepth: Gauge<"queue" | "state">;
  jobFailures: Gauge<"queue">;
  staleClusters: Gauge;
  pagesWaiting: Gauge;
}

declare global {
  var gantryMetrics: GantryMetrics | undefined;
}

export function metrics(): GantryMetrics {
  globalThis.gantryMetrics ??= createMetrics();
  return globalThis.gantryMetrics;
}

function createMetrics(): GantryMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    httpDuration: new Histogram({
      name: "gantry_http_request_duration_seconds",
      help: "Time to answer an HTTP request, by route (the app/ folder pattern), method and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    importDuration: new Histogram({
      name: "gantry_catalog_import_duration_seconds",
      help: "Duration of catalogue imports run by this process, by trigger and outcome",
      labelNames: ["trigger", "status"],
      buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers,
    }),
    reportsIngested: new Counter({
      name: "gantry_sync_reports_ingested_total",
      help: "Cluster status reports received, by outcome (accepted or refused)",
      labelNames: ["outcome"],
      registers,
    }),
    githubCalls: new Counter({
      name: "gantry_github_requests_total",
      help: "Requests to the GitHub API, by method and response status",
      labelNames: ["method", "status"],
      registers,
    }),
    githubRateLimitRemaining: new Gauge({
      name: "gantry_github_rate_limit_remaining",
      help: "Requests left in GitHub's current rate-limit window (x-ratelimit-remaining), by resource",
      labelNames: ["resource"],
      registers,
    }),
    jobQueueDepth: new Gauge({
      name: "gantry_job_queue_depth",
      help: "Jobs waiting or running, by queue and state",
      labelNames: ["queue", "state"],
      registers,
    }),
    jobFailures: new Gauge({
      name: "gantry_job_failures",
      help: "Jobs that failed for good and are still kept by the queue, by queue",
      labelNames: ["queue"],
      registers,
    }),
    pagesWaiting: new Gauge({
      name: "gantry_http_pages_waiting",
      help: "Page renders waiting for their turn (GANTRY_PAGE_CONCURRENCY at once)",
      registers,
    }),
    staleClusters: new Gauge({
      name: "gantry_stale_clusters",
      help: "Clusters not heard from within GANTRY_SYNC_STALE_AFTER_SECONDS",
      registers,
    }),
  };
}
