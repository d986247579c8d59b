/**
 * GitHub API calls, counted where they arrive: the fake GitHub of
 * test/github (every REST answer checked against GitHub's OpenAPI
 * description, every GraphQL document validated against GitHub's schema),
 * codeload downloads included.
 *
 *   githubCallsColdImport1000  a cold import of 1,000 apps × 4 environments
 *                              (empty data directory; the catalogue's reader)
 *   githubCallsPerPullRequest  one promotion: the job's calls for one app (one
 *                              GraphQL query for the branch and its pull request,
 *                              one GraphQL request with createRef,
 *                              createCommitOnBranch and createPullRequest, the
 *                              labels through REST). `writes` counts each
 *                              mutation and REST write: 4 in 3 requests.
 *   githubCallsPer400AppTrain  one commit changing 400 apps' files through
 *                              commitFiles, and its pull request
 *   githubCallsPerMergeImport1000
 *                              the catalogue import (the real one, on an
 *                              embedded Postgres at BENCH_POSTGRES_PORT) after
 *                              a merge that changed one app's values file, the
 *                              fleet imported before: the head, compare, one
 *                              GraphQL listing and one GraphQL read of blobs;
 *                              no tarball
 *
 * `BENCH_SMALL=1` (CI) runs 40 apps and a 40-app train: the counts must not
 * depend on the size, which the small run shows as well as the large one.
 * `BENCH_GITHUB_APPS` sets the fleet's size explicitly.
 *
 * Writes bench/results/github.json.
 */
import fs from "node:fs";
import os from "node:os";
import { createDbClient } from "@/lib/db";
import { type RunningPostgres, startEmbeddedPostgres } from "@/lib/postgres/embedded";
import { applyMigrations } from "@/lib/postgres/migrate";
import { measureGitHubCalls } from "@/test/github/github-calls";
import { type MergeImportCalls, measureMergeImportCalls } from "@/test/github/merge-import-calls";
import { expectPostgresShutdown, log, makeDataDir, writeResults } from "./support";

process.env.GANTRY_LOG_LEVEL ||= "error";
const PG_PORT = Number(process.env.BENCH_POSTGRES_PORT ?? 54397);

const small = process.env.BENCH_SMALL === "1";
const applications = Number(process.env.BENCH_GITHUB_APPS ?? (small ? 40 : 1000));
if (!Number.isInteger(applications) || applications < 1 || applications > 20_000) {
  throw new Error(
    `BENCH_GITHUB_APPS: expected a whole number from 1 to 20000, got "${process.env.BENCH_GITHUB_APPS}"`,
  );
}
const trainApplications = Math.min(400, applications);

log(`github: ${applications} apps × 4 environments, a ${trainApplications}-app train`);
const started = performance.now();
const report = await measureGitHubCalls({ applications, trainApplications });

/** The merge's import needs the catalogue's tables: an embedded Postgres of the bench's own. */
async function mergeImport(): Promise<MergeImportCalls> {
  const dataDir = makeDataDir("gantry-bench-github-");
  let postgres: RunningPostgres | undefined;
  let db: ReturnType<typeof createDbClient> | undefined;
  try {
    postgres = await startEmbeddedPostgres({ dataDir, port: PG_PORT, disposable: true });
    await applyMigrations(postgres.url);
    db = createDbClient(postgres.url);
    return await measureMergeImportCalls({ db, applications });
  } finally {
    await db?.$disconnect().catch(() => undefined);
    expectPostgresShutdown();
    await postgres?.stop().catch((error: unknown) => log(`postgres: ${String(error)}`));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
const merge = await mergeImport();
const seconds = (performance.now() - started) / 1000;

const result = {
  measuredAt: new Date().toISOString(),
  machine: { cpus: os.cpus().length, node: process.version },
  size: small ? "small (BENCH_SMALL=1)" : "full",
  applications,
  environments: report.environments,
  files: report.files,
  trainApplications,
  githubCallsColdImport1000: report.coldImport.requests,
  githubCallsPerPullRequest: report.pullRequest.requests,
  githubCallsPer400AppTrain: report.train.requests,
  githubCallsPerMergeImport1000: merge.requests,
  detail: {
    mergeImport: {
      mode: merge.mode,
      appsUpdated: merge.appsUpdated,
      downloads: merge.downloads,
      routes: merge.routes,
      before:
        "3 requests and the whole commit's tarball (resolve twice, the tarball's API call and its download), every application read again",
    },
    coldImport: report.coldImport,
    pullRequest: report.pullRequest,
    train: report.train,
    before: {
      coldImport1000: "about 5,000 calls (one blob read per file)",
      perPullRequest:
        "12 calls in the job, 7 of them writes (6 for the commit); then 6 (getBranch, createBranch, createCommitOnBranch, findPullRequest, POST pulls, labels)",
      note: "requests are HTTP requests to the API; writes are content-creating operations, each GraphQL mutation counted once although three travel in one request (how GitHub's secondary limits count a request of several mutations is not documented)",
    },
  },
  schemaProblems: report.schemaProblems.length + merge.schemaProblems.length,
  wallSeconds: seconds,
};
writeResults("github", result);

const row = (name: string, c: { requests: number; apiCalls: number; writes: number }) =>
  console.log(
    `${name.padEnd(34)} ${String(c.requests).padStart(8)} ${String(c.apiCalls).padStart(9)} ${String(c.writes).padStart(7)}`,
  );
console.log(
  `\nGitHub calls (fake GitHub, OpenAPI- and GraphQL-schema-checked), ${applications} apps × 4 environments\n`,
);
console.log(`${"".padEnd(34)} requests api calls  writes`);
row(`cold import (${report.files} files)`, report.coldImport);
row("one promotion's pull request", report.pullRequest);
row(`${trainApplications}-app train (one commit + PR)`, report.train);
console.log(
  `${"import after a one-app merge".padEnd(34)} ${String(merge.requests).padStart(8)} (${merge.mode}, ${merge.downloads} downloads)`,
);
const problems = [...report.schemaProblems, ...merge.schemaProblems];
if (problems.length > 0 || merge.mode !== "incremental") {
  console.log(`merge import: ${merge.mode}; schema problems:\n${problems.slice(0, 5).join("\n")}`);
  process.exitCode = 1;
}
