/**
 * `npm run bench:audit`: the audit chain at 1,000,000 events.
 *
 * Embedded Postgres (migrated) on a throwaway data directory. The chain is
 * built in Node in batches of 5,000 (each event hashed with the same
 * `auditEventHash` the app uses, linked to the one before) and written with
 * one `INSERT … SELECT FROM unnest(…)` per batch: the insert rate is
 * reported, beside the rate of appends through the real `recordAuditEvent`
 * (advisory lock, one transaction per event), sequential and 8 at once.
 * The events look like two years of a 420-app fleet: 25 teams, 4
 * environments, 150 people, promotions' transitions, approvals, sign-ins,
 * denials, stale clusters.
 *
 * Then, through the real `listAuditEvents` (a page of 50, newest first):
 * the first page and a page deep in the history (cursor at sequence
 * 100,000), unfiltered and with two filters (app + action), plus other
 * filters people use. Each scenario runs RUNS times × QUERIES queries; the
 * figure is the median over runs of each run's p95. Last, the export rate
 * in events/s through the real `exportAuditEvents` stream (CSV of the whole
 * chain, JSON Lines of one team) and the verification rate of
 * `verifyAuditChain` over the whole chain.
 *
 * Prints a table and writes bench/results/audit.json.
 */

import fs from "node:fs";
import { performance } from "node:perf_hooks";
import pg from "pg";
import type { AuditFilter, AuditPage } from "@/lib/audit/audit-filter";
import { auditEventHash, GENESIS_HASH, type HashedAuditFields } from "@/lib/audit/canonical";
import { exportAuditEvents } from "@/lib/audit/export-audit-events";
import { listAuditEvents } from "@/lib/audit/list-audit-events";
import { recordAuditEventAlone } from "@/lib/audit/record-audit-event";
import { OPERATOR, verifyAuditChain } from "@/lib/audit/verify-chain";
import { createDbClient, type Db } from "@/lib/db";
import type { Person } from "@/lib/identity/principal";
import { type RunningPostgres, startEmbeddedPostgres } from "@/lib/postgres/embedded";
import { applyMigrations } from "@/lib/postgres/migrate";
import { expectPostgresShutdown, log, makeDataDir, stats, writeResults } from "./support";

process.env.GANTRY_LOG_LEVEL ||= "error";

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const BATCH = 5_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 40);
const APPENDS = Number(process.env.BENCH_APPENDS ?? 1_000);
const PG_PORT = Number(process.env.BENCH_POSTGRES_PORT ?? 54394);
const DEEP = 100_000n;
const APPS = 420;
const TEAMS = 25;
const PEOPLE = 150;
const ENVIRONMENTS = ["dev", "staging", "prod", "prod-eu"];
const SPAN_MS = 730 * 24 * 3600 * 1000;

const ADMIN: Person = {
  kind: "person",
  id: "00000000-0000-4000-8000-00000000a0d1",
  name: "Bench Auditor",
  email: "auditor@bench.local",
  roles: ["admin"],
  teams: [],
  approverEnvironments: ["*"],
  breakGlass: false,
  gitLogin: null,
};

/** Actions with their weights (out of 100). */
const ACTIONS: [string, number][] = [
  ["promotion.planned", 12],
  ["promotion.pr_open", 12],
  ["promotion.approved", 10],
  ["promotion.merged", 11],
  ["promotion.syncing", 11],
  ["promotion.deployed", 11],
  ["promotion.failed", 2],
  ["promotion.superseded", 2],
  ["approval.given", 10],
  ["approval.rejected", 1],
  ["session.signed_in", 10],
  ["permission.denied", 2],
  ["cluster.stale", 1],
  ["cluster.recovered", 1],
  ["import.succeeded", 3],
  ["token.created", 1],
];
const ACTION_TABLE = ACTIONS.flatMap(([action, weight]) => Array<string>(weight).fill(action));

/** A small deterministic generator, so every run builds the same chain. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function eventAt(sequence: number, next: () => number): HashedAuditFields {
  const action = ACTION_TABLE[Math.floor(next() * ACTION_TABLE.length)] ?? "promotion.planned";
  const app = Math.floor(next() * APPS);
  const person = Math.floor(next() * PEOPLE);
  const environment = ENVIRONMENTS[Math.floor(next() * ENVIRONMENTS.length)] ?? "dev";
  const system =
    action.startsWith("cluster.") ||
    action.startsWith("import.") ||
    action === "promotion.syncing" ||
    action === "promotion.deployed";
  const promotion = action.startsWith("promotion.") || action.startsWith("approval.");
  const promotionId = promotion
    ? `00000000-0000-4000-8000-${(Math.floor(sequence / 6) % 1e12).toString().padStart(12, "0")}`
    : null;
  return {
    sequence: BigInt(sequence),
    at: new Date(Date.UTC(2025, 0, 1) + Math.floor((sequence / EVENTS) * SPAN_MS)),
    actorKind: system ? "system" : "person",
    actorId: system ? null : `10000000-0000-4000-8000-${person.toString().padStart(12, "0")}`,
    actorName: system ? "Gantry" : `Person ${person}`,
    action,
    targetType: promotion ? "promotion" : (action.split(".")[0] ?? "application"),
    targetId: promotionId,
    application:
      action.startsWith("session.") || action.startsWith("import.") ? null : `app-${app}`,
    team: `team-${app % TEAMS}`,
    environment: action.startsWith("session.") ? null : environment,
    promotionId,
    cluster: action.startsWith("cluster.") ? `${environment}-cluster-${app % 5}` : null,
    outcome:
      action === "permission.denied"
        ? "denied"
        : action === "promotion.failed"
          ? "failure"
          : "success",
    requestId: system ? null : `req-${sequence.toString(36)}`,
    sourceAddress: system ? null : `10.0.${person % 250}.${app % 250}`,
    detail: promotion
      ? {
          from: "planned",
          to: action.split(".")[1],
          version: `1.${app % 50}.${sequence % 100}`,
          prNumber: Math.floor(sequence / 6),
          detail: sequence % 997 === 0 ? "rollback after the payments incident" : null,
        }
      : { note: `event ${sequence}` },
    previousHash: "",
  };
}

async function buildChain(pool: pg.Pool): Promise<number> {
  const next = random(7);
  let previousHash = GENESIS_HASH;
  const started = performance.now();
  for (let first = 1; first <= EVENTS; first += BATCH) {
    const columns: unknown[][] = Array.from({ length: 19 }, () => []);
    for (let sequence = first; sequence < Math.min(first + BATCH, EVENTS + 1); sequence++) {
      const event = eventAt(sequence, next);
      event.previousHash = previousHash;
      const hash = auditEventHash(event);
      previousHash = hash;
      const values = [
        event.sequence.toString(),
        event.at.toISOString(),
        event.actorKind,
        event.actorId,
        event.actorName,
        event.action,
        event.targetType,
        event.targetId,
        event.application,
        event.team,
        event.environment,
        event.promotionId,
        event.cluster,
        event.outcome,
        event.requestId,
        event.sourceAddress,
        JSON.stringify(event.detail),
        event.previousHash,
        hash,
      ];
      for (const [index, value] of values.entries()) columns[index]?.push(value);
    }
    await pool.query(
      `INSERT INTO "AuditEvent" (sequence, at, "actorKind", "actorId", "actorName", action,
         "targetType", "targetId", application, team, environment, "promotionId", cluster, outcome,
         "requestId", "sourceAddress", detail, "previousHash", hash)
       SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[],
         $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::uuid[],
         $13::text[], $14::text[], $15::text[], $16::text[], $17::jsonb[], $18::text[], $19::text[])`,
      columns,
    );
    if ((first - 1) % 100_000 === 0) log(`inserted ${first - 1 + BATCH} events`);
  }
  return (performance.now() - started) / 1000;
}

async function appendRate(db: Db, count: number, concurrency: number): Promise<number> {
  const started = performance.now();
  let issued = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < count) {
        issued++;
        await recordAuditEventAlone(db, {
          actor: { kind: "person", id: ADMIN.id, name: ADMIN.name, email: ADMIN.email },
          action: "bench.appended",
          target: { type: "application", application: "app-1", team: "team-1" },
          detail: { concurrency },
        });
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

interface Scenario {
  name: string;
  filter: AuditFilter;
  page?: AuditPage;
}

async function measure(db: Db, scenario: Scenario) {
  const p95s: number[] = [];
  const all: number[] = [];
  let rows = 0;
  for (let run = 0; run < RUNS; run++) {
    const times: number[] = [];
    for (let i = 0; i < QUERIES; i++) {
      const started = performance.now();
      const page = await listAuditEvents({
        db,
        principal: ADMIN,
        filter: scenario.filter,
        page: scenario.page,
      });
      times.push(performance.now() - started);
      rows = page.events.length;
    }
    p95s.push(stats(times).p95);
    all.push(...times);
  }
  const sortedP95 = [...p95s].sort((a, b) => a - b);
  return {
    scenario: scenario.name,
    rows,
    p95Ms: sortedP95[Math.floor(sortedP95.length / 2)] ?? Number.NaN,
    p50Ms: stats(all).p50,
    maxMs: stats(all).max,
  };
}

async function exportRate(db: Db, filter: AuditFilter, format: "csv" | "jsonl") {
  const started = performance.now();
  const exported = await exportAuditEvents({ db, principal: ADMIN, filter, format });
  const reader = exported.stream.getReader();
  let bytes = 0;
  let lines = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    for (const byte of value) if (byte === 10) lines++;
  }
  const seconds = (performance.now() - started) / 1000;
  const events = format === "csv" ? lines - 1 : lines;
  return { format, filter, events, bytes, seconds, eventsPerSecond: events / seconds };
}

const dataDir = makeDataDir("gantry-bench-audit-");
let postgres: RunningPostgres | undefined;
let pool: pg.Pool | undefined;
let db: Db | undefined;
try {
  postgres = await startEmbeddedPostgres({ dataDir, port: PG_PORT, disposable: true });
  await applyMigrations(postgres.url);
  pool = new pg.Pool({ connectionString: postgres.url, max: 2 });
  db = createDbClient(postgres.url);

  log(`building a chain of ${EVENTS.toLocaleString("en")} events`);
  const insertSeconds = await buildChain(pool);
  const insertRate = EVENTS / insertSeconds;
  log(`inserted in ${insertSeconds.toFixed(1)} s (${Math.round(insertRate)} events/s); analysing`);
  await pool.query(`VACUUM ANALYZE "AuditEvent"`);

  const appendSequential = await appendRate(db, APPENDS, 1);
  const appendConcurrent = await appendRate(db, APPENDS, 8);
  log(
    `recordAuditEvent: ${Math.round(appendSequential)}/s sequential, ${Math.round(appendConcurrent)}/s 8 at once`,
  );

  const deep: AuditPage = { before: DEEP };
  const scenarios: Scenario[] = [
    { name: "first page", filter: {} },
    { name: "first page, app + action", filter: { app: "app-17", action: "promotion.deployed" } },
    { name: "deep page (before 100,000)", filter: {}, page: deep },
    {
      name: "deep page, app + action",
      filter: { app: "app-17", action: "promotion.deployed" },
      page: deep,
    },
    {
      name: "deep page, app + action prefix",
      filter: { app: "app-17", action: "promotion." },
      page: deep,
    },
    { name: "first page, app + person", filter: { app: "app-17", actor: "Person 42" } },
    {
      name: "deep page, team + outcome",
      filter: { team: "team-3", outcome: "failure" },
      page: deep,
    },
    { name: "first page, action prefix", filter: { action: "permission." } },
    { name: "first page, free text", filter: { q: "payments incident" } },
  ];
  const queries = [];
  for (const scenario of scenarios) {
    const result = await measure(db, scenario);
    log(`${result.scenario}: p95 ${result.p95Ms.toFixed(2)} ms (${result.rows} rows)`);
    queries.push(result);
  }

  log("exporting");
  const exports = [
    await exportRate(db, {}, "csv"),
    await exportRate(db, { team: "team-3" }, "jsonl"),
  ];
  log("verifying");
  const verification = await verifyAuditChain({ db, principal: OPERATOR });
  if (!verification.ok)
    throw new Error(`the bench's chain does not verify: ${verification.firstBroken?.message}`);

  const report = {
    date: new Date().toISOString(),
    events: EVENTS,
    insert: { seconds: insertSeconds, eventsPerSecond: insertRate, batch: BATCH },
    recordAuditEvent: {
      appends: APPENDS,
      sequentialPerSecond: appendSequential,
      concurrent8PerSecond: appendConcurrent,
    },
    queries: { runs: RUNS, queriesPerRun: QUERIES, pageSize: 50, results: queries },
    exports,
    verify: {
      events: verification.checked,
      seconds: verification.durationMs / 1000,
      eventsPerSecond: verification.checked / (verification.durationMs / 1000),
    },
  };
  writeResults(EVENTS === 1_000_000 ? "audit" : `audit-${EVENTS}`, report);

  const ms = (n: number) => n.toFixed(2).padStart(8);
  console.log(`\nAudit chain: ${EVENTS.toLocaleString("en")} events\n`);
  console.log(
    `insert (Node-built chain, unnest batches of ${BATCH}): ${Math.round(insertRate).toLocaleString("en")} events/s`,
  );
  console.log(
    `recordAuditEvent: ${Math.round(appendSequential)} events/s sequential, ${Math.round(appendConcurrent)} events/s 8 at once\n`,
  );
  console.log(`${"timeline query (page of 50)".padEnd(36)}   p95 ms   p50 ms   max ms  rows`);
  for (const q of queries) {
    console.log(`${q.scenario.padEnd(36)} ${ms(q.p95Ms)} ${ms(q.p50Ms)} ${ms(q.maxMs)}  ${q.rows}`);
  }
  console.log("");
  for (const e of exports) {
    console.log(
      `export ${e.format} ${JSON.stringify(e.filter)}: ${e.events.toLocaleString("en")} events in ${e.seconds.toFixed(1)} s = ${Math.round(e.eventsPerSecond).toLocaleString("en")} events/s`,
    );
  }
  console.log(
    `verify: ${verification.checked.toLocaleString("en")} events in ${report.verify.seconds.toFixed(1)} s = ${Math.round(report.verify.eventsPerSecond).toLocaleString("en")} events/s`,
  );
} finally {
  await db?.$disconnect();
  await pool?.end();
  expectPostgresShutdown();
  await postgres?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
