/**
 * `npx tsx bench/import.ts`: what adopting a repository through gantry.yaml
 * costs at import time. The same fleet (BENCH_IMPORT_APPS apps, default
 * 10,000, × 3 environments) is laid out twice: Gantry's convention
 * (apps/<app>/app.yaml + apps/<app>/envs/<env>/values.yaml) and Argo CD
 * (one Application per app and environment, naming a chart in the
 * repository and its per-environment values file, read through the argocd
 * rule). Each is imported into an empty database of its own on one
 * embedded Postgres, in one run, alternating, BENCH_IMPORT_RUNS times.
 *
 * Writes bench/results/import.json with argocdToConventionRatio: the median
 * argocd import over the median convention import.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import { createDbClient } from "@/lib/db";
import { LocalGitProvider } from "@/lib/git/local/local-provider";
import { type RunningPostgres, startEmbeddedPostgres } from "@/lib/postgres/embedded";
import { applyMigrations } from "@/lib/postgres/migrate";
import { log, makeDataDir, writeResults } from "./support";

const APPS = Number(process.env.BENCH_IMPORT_APPS ?? 10_000);
const RUNS = Number(process.env.BENCH_IMPORT_RUNS ?? 2);
const PG_PORT = Number(process.env.BENCH_POSTGRES_PORT ?? 54391);
const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
const REPO_URL = "https://git.example.com/platform/gitops.git";

const ENVIRONMENTS_YAML = `environments:\n${ENVIRONMENTS.map(
  (env) => `  - name: ${env}\n    displayName: ${env}\n    clusters: [{ name: ${env}-1 }]\n`,
).join("")}`;

const appName = (i: number) => `svc-${String(i).padStart(5, "0")}`;
const team = (i: number) => `team-${i % 40}`;
const values = (i: number, env: string) =>
  `# ${env}\nreplicaCount: 2\nimage:\n  repository: ghcr.io/acme/${appName(i)}\n  tag: "1.${i % 50}.${env === "prod" ? 0 : 1}"\n`;

function conventionFleet(): Record<string, string> {
  const files: Record<string, string> = {
    "environments.yaml": ENVIRONMENTS_YAML,
    "charts/service/Chart.yaml": "apiVersion: v2\nname: service\nversion: 1.0.0\n",
  };
  for (let i = 0; i < APPS; i++) {
    const app = appName(i);
    files[`apps/${app}/app.yaml`] =
      `name: ${app}\nteam: ${team(i)}\nchart: service\ndescription: ${app} serves requests\n`;
    for (const env of ENVIRONMENTS) files[`apps/${app}/envs/${env}/values.yaml`] = values(i, env);
  }
  return files;
}

function argocdFleet(): Record<string, string> {
  const files: Record<string, string> = {
    "gantry.yaml": `${ENVIRONMENTS_YAML}discovery:\n  - kind: argocd\n    under: [argocd]\n    name: "{app}-{env}"\n    repoURLs: [${REPO_URL}]\nmetadata:\n  team: { from: label, key: team }\n`,
    "charts/service/Chart.yaml": "apiVersion: v2\nname: service\nversion: 1.0.0\n",
    "charts/service/values.yaml": "replicaCount: 1\nimage:\n  repository: ghcr.io/acme/x\n",
  };
  for (let i = 0; i < APPS; i++) {
    const app = appName(i);
    for (const env of ENVIRONMENTS) {
      files[`argocd/${env}/${app}.yaml`] = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${app}-${env}
  namespace: argocd
  labels:
    team: ${team(i)}
spec:
  project: default
  source:
    repoURL: ${REPO_URL}
    targetRevision: main
    path: charts/service
    helm:
      valueFiles:
        - values.yaml
        - ../../values/${app}/${env}.yaml
  destination:
    server: https://kubernetes.default.svc
    namespace: ${app}
`;
      files[`values/${app}/${env}.yaml`] = values(i, env);
    }
  }
  return files;
}

/** A bare repository under dataDir/git/<name>.git holding `files` in one commit. */
function writeRepository(dataDir: string, name: string, files: Record<string, string>): void {
  const work = path.join(dataDir, `work-${name}`);
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
    fs.writeFileSync(path.join(work, file), content);
  }
  const git = (cwd: string, args: string[]) =>
    execFileSync("git", args, {
      cwd,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "Bench",
        GIT_AUTHOR_EMAIL: "bench@example.com",
        GIT_COMMITTER_NAME: "Bench",
        GIT_COMMITTER_EMAIL: "bench@example.com",
      },
      maxBuffer: 64 * 1024 * 1024,
    });
  git(work, ["init", "--quiet", "--initial-branch=main"]);
  git(work, ["add", "--all"]);
  git(work, ["commit", "--quiet", "-m", "fleet"]);
  fs.mkdirSync(path.join(dataDir, "git"), { recursive: true });
  git(dataDir, ["clone", "--quiet", "--bare", work, path.join(dataDir, "git", `${name}.git`)]);
  fs.rmSync(work, { recursive: true, force: true });
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const dataDir = makeDataDir("gantry-bench-import-");
let postgres: RunningPostgres | undefined;
try {
  log(`writing two repositories of ${APPS} apps × ${ENVIRONMENTS.length} environments`);
  writeRepository(dataDir, "convention", conventionFleet());
  writeRepository(dataDir, "argocd", argocdFleet());
  postgres = await startEmbeddedPostgres({ dataDir, port: PG_PORT, disposable: true });
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();

  const timings: Record<"convention" | "argocd", number[]> = { convention: [], argocd: [] };
  const appsSeen: Record<string, number> = {};
  for (let run = 0; run < RUNS; run++) {
    for (const layout of ["convention", "argocd"] as const) {
      // An empty database per import, so both measure the same work: a first import.
      const database = `bench_${layout}_${run}`;
      await admin.query(`CREATE DATABASE ${database}`);
      const url = postgres.urlFor(database);
      await applyMigrations(url);
      const db = createDbClient(url);
      try {
        const git = new LocalGitProvider({
          dataDir,
          repository: layout,
          defaultBranch: "main",
          db,
        });
        const started = performance.now();
        const result = await importCatalogue({
          db,
          git,
          versionPath: "image.tag",
          trigger: "bench",
        });
        const ms = performance.now() - started;
        timings[layout].push(ms);
        appsSeen[layout] = result.appsSeen;
        log(
          `${layout} run ${run + 1}: ${result.appsSeen} apps, ${result.problems} problems, ${(ms / 1000).toFixed(2)} s`,
        );
      } finally {
        await db.$disconnect();
      }
    }
  }
  await admin.end();

  const convention = median(timings.convention);
  const argocd = median(timings.argocd);
  const result = {
    apps: APPS,
    environments: ENVIRONMENTS.length,
    runs: RUNS,
    appsSeen,
    conventionMs: Math.round(convention),
    argocdMs: Math.round(argocd),
    argocdToConventionRatio: Number((argocd / convention).toFixed(3)),
    timingsMs: {
      convention: timings.convention.map(Math.round),
      argocd: timings.argocd.map(Math.round),
    },
    machine: { cpus: (await import("node:os")).cpus().length, node: process.version },
  };
  log(JSON.stringify(result));
  writeResults("import", result);
} finally {
  await postgres?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
