/**
 * A release train of 400 applications, end to end as a person asks for it:
 * the request (select everything that differs between staging and prod,
 * plan each application at one commit, record the train and its 400
 * promotions) and then the train's job (one branch, one commit touching
 * every file, one pull request), on two providers:
 *
 *   localSecondsToOpen         the local provider: request → pull request open
 *   githubCallsPer400AppTrain  the GitHub provider against the fake GitHub of
 *                              test/github (REST checked against GitHub's
 *                              OpenAPI description, GraphQL against its
 *                              schema): every request the train sent,
 *                              codeload downloads included, from the request
 *                              to the pull request recorded (goal ≤ 10)
 *
 * `BENCH_TRAIN_APPS` sets the train's size (default 400; the smoke run uses
 * a small one). Writes bench/results/train.json.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import { createDbClient, type Db } from "@/lib/db";
import { GitHubProvider } from "@/lib/git/github/github-provider";
import { LocalGitProvider } from "@/lib/git/local/local-provider";
import type { GitProvider } from "@/lib/git/provider";
import type { Person } from "@/lib/identity/principal";
import { ensureDatabase } from "@/lib/postgres/database";
import { type RunningPostgres, startEmbeddedPostgres } from "@/lib/postgres/embedded";
import { applyMigrations } from "@/lib/postgres/migrate";
import { openTrainPullRequest } from "@/lib/trains/open-train-pull-request";
import { requestTrain } from "@/lib/trains/request-train";
import type { TrainContext } from "@/lib/trains/types";
import {
  appFiles,
  CHART_YAML,
  createGitopsFixture,
  ENVIRONMENTS_YAML,
  type GitopsFixture,
} from "@/test/catalogue/gitops-fixture";
import { FakeGitHub } from "@/test/github/fake-github";
import { expectPostgresShutdown, log, makeDataDir, writeResults } from "./support";

process.env.GANTRY_LOG_LEVEL ||= "error";

const APPS = Number(process.env.BENCH_TRAIN_APPS ?? 400);
if (!Number.isInteger(APPS) || APPS < 1 || APPS > 1_000) {
  throw new Error(
    `BENCH_TRAIN_APPS: expected a whole number from 1 to 1000, got "${process.env.BENCH_TRAIN_APPS}"`,
  );
}
const PG_PORT = Number(process.env.BENCH_POSTGRES_PORT ?? 54394);
const RELEASE = "2.0.0";
const ACTOR: Person = {
  kind: "person",
  id: "bench-person",
  name: "Bench Person",
  email: "bench@example.com",
  roles: ["admin"],
  teams: [],
  approverEnvironments: [],
  breakGlass: false,
  gitLogin: null,
};

/** `APPS` applications running RELEASE in staging and 1.9.0 in prod: all of them differ. */
function fleet(): Record<string, string> {
  const files: Record<string, string> = {
    "environments.yaml": ENVIRONMENTS_YAML,
    "charts/web-service/Chart.yaml": CHART_YAML,
  };
  for (let i = 0; i < APPS; i++) {
    const slug = `svc-${String(i).padStart(4, "0")}`;
    Object.assign(files, appFiles(slug, `team-${i % 25}`, { staging: RELEASE, prod: "1.9.0" }));
  }
  return files;
}

const dataDir = makeDataDir("gantry-bench-train-");
let postgres: RunningPostgres | undefined;
let fixture: GitopsFixture | undefined;
let fake: FakeGitHub | undefined;
const clients: Db[] = [];

async function database(name: string): Promise<Db> {
  if (!postgres) throw new Error("postgres is not running");
  const url = postgres.urlFor(name);
  await ensureDatabase(url);
  await applyMigrations(url);
  const db = createDbClient(url);
  clients.push(db);
  await db.user.create({
    data: { id: ACTOR.id, name: ACTOR.name, email: ACTOR.email, roles: ["admin"] },
  });
  return db;
}

/** Imports the fleet, then requests the train and runs its job, timing both. */
async function runTrain(db: Db, git: GitProvider, before?: () => void) {
  await importCatalogue({ db, git, versionPath: "image.tag", trigger: "bench" });
  const enqueued: string[] = [];
  const ctx: TrainContext = {
    db,
    git,
    jobs: {
      async enqueueOpenPullRequest() {},
      async enqueueHostChange() {},
      async requestCatalogueImport() {},
    },
    trainJobs: {
      async enqueueOpenTrainPullRequest({ trainId }) {
        enqueued.push(trainId);
      },
    },
    versionPath: "image.tag",
    publicUrl: "https://gantry.example.com",
    mergeMethod: "squash",
  };
  before?.();
  const started = performance.now();
  const { trainId, promotions } = await requestTrain({
    ctx,
    principal: ACTOR,
    input: {
      environment: "prod",
      selection: { differsFrom: "staging" },
      reason: `Release ${RELEASE} to the fleet`,
    },
  });
  const requested = performance.now();
  const opened = await openTrainPullRequest({ ctx, trainId });
  const done = performance.now();
  if (enqueued.length !== 1 || opened.opened !== APPS || promotions.length !== APPS) {
    throw new Error(`the train opened ${opened.opened} of ${APPS} applications`);
  }
  return {
    requestSeconds: (requested - started) / 1000,
    jobSeconds: (done - requested) / 1000,
    secondsToOpen: (done - started) / 1000,
  };
}

try {
  postgres = await startEmbeddedPostgres({ dataDir, port: PG_PORT, disposable: true });
  const files = fleet();

  // ---- 1. the local provider ----
  log(`local: a ${APPS}-app train`);
  fixture = createGitopsFixture();
  fixture.commit(files, "fleet");
  const localDb = await database("gantry_train_local");
  const local = await runTrain(
    localDb,
    new LocalGitProvider({
      dataDir: fixture.dataDir,
      repository: "gitops",
      defaultBranch: "main",
      db: localDb,
    }),
  );

  // ---- 2. the GitHub provider, calls counted where they arrive ----
  log(`github: a ${APPS}-app train`);
  const token = `ghp_${randomBytes(16).toString("hex")}`;
  fake = await FakeGitHub.start({ owner: "acme", repo: "gitops", tokens: { [token]: "gantry" } });
  fake.push({ files, message: "fleet" });
  const githubDb = await database("gantry_train_github");
  const github = new GitHubProvider({
    apiUrl: fake.apiUrl,
    webUrl: fake.webUrl,
    auth: { type: "token", token },
    owner: "acme",
    repository: "gitops",
    defaultBranch: "main",
    dataDir,
    // Calls are counted, not GitHub's clock: no pacing.
    throttling: false,
    writesPerMinute: 1_000_000,
    writesPerHour: 100_000_000,
    retryBaseMs: 50,
    throttleId: "bench-train",
  });
  let requestsBefore = 0;
  let mutationsBefore = 0;
  const onGitHub = await runTrain(githubDb, github, () => {
    github.resetApiCallCounts();
    requestsBefore = fake?.requests.length ?? 0;
    mutationsBefore = fake?.graphqlMutations.length ?? 0;
  });
  const requests = fake.requests.slice(requestsBefore);
  const calls = github.apiCallCounts();
  const restWrites = requests.filter((r) => r.method !== "GET" && r.route !== "POST /graphql");

  const result = {
    measuredAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, load: os.loadavg()[0] },
    applications: APPS,
    localSecondsToOpen: Number(local.secondsToOpen.toFixed(2)),
    githubCallsPer400AppTrain: requests.length,
    detail: {
      local,
      github: {
        ...onGitHub,
        requests: requests.length,
        apiCalls: requests.filter((r) => !r.route?.startsWith("GET codeload")).length,
        writes: restWrites.length + fake.graphqlMutations.length - mutationsBefore,
        byRoute: requests.reduce<Record<string, number>>((into, r) => {
          const route = r.route ?? `${r.method} (unknown)`;
          into[route] = (into[route] ?? 0) + 1;
          return into;
        }, {}),
        byOperation: calls.byOperation,
      },
    },
    schemaProblems: fake.problems.length,
  };
  writeResults("train", result);
  console.log(`\nA ${APPS}-app release train, request → pull request open\n`);
  console.log(
    `local provider   ${local.secondsToOpen.toFixed(2)} s (request ${local.requestSeconds.toFixed(2)} s, job ${local.jobSeconds.toFixed(2)} s)`,
  );
  console.log(
    `GitHub provider  ${requests.length} requests to GitHub (${result.detail.github.writes} writes), ${onGitHub.secondsToOpen.toFixed(2)} s unthrottled`,
  );
  if (fake.problems.length > 0) {
    console.log(`schema problems:\n${fake.problems.slice(0, 5).join("\n")}`);
    process.exitCode = 1;
  }
} finally {
  for (const client of clients) await client.$disconnect().catch(() => undefined);
  await fake?.close().catch(() => undefined);
  fixture?.cleanup();
  expectPostgresShutdown();
  await postgres?.stop().catch((error: unknown) => log(`postgres: ${String(error)}`));
  fs.rmSync(dataDir, { recursive: true, force: true });
}
