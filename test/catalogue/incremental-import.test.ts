import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { LocalGitProvider } from "@/lib/git/local/local-provider";
import type { GitReader } from "@/lib/git/provider";
import { createTestDatabase } from "@/test/support/db";
import { dumpCatalogue } from "./catalogue-dump";
import {
  appFiles,
  appYaml,
  CHART_YAML,
  createGitopsFixture,
  ENVIRONMENTS_YAML,
  type GitopsFixture,
  valuesYaml,
} from "./gitops-fixture";

/** The repository as a test edits it: every file's text by path. */
type Files = Map<string, string>;

/** A small deterministic generator (mulberry32): the same seed makes the same edits. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    below: (n: number) => Math.floor(next() * n),
    pick<T>(items: readonly T[]): T | undefined {
      return items[Math.floor(next() * items.length)];
    },
  };
}

const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
const WITH_QA = ENVIRONMENTS_YAML.replace(
  "  - name: staging",
  "  - name: qa\n    displayName: QA\n    clusters:\n      - name: qa-eu-1\n  - name: staging",
);
const LAYOUTS = [
  "discovery:\n  - kind: convention\nmetadata:\n  team: { from: value, value: platform }\n",
  "discovery:\n  - kind: convention\nmetadata:\n  team: { from: value, value: platform }\n  tier: { from: value, value: high }\n",
];

/**
 * One random edit of the kinds a GitOps repository sees, applied to `files`;
 * returns the changed paths (null: deleted) and what it did, for the failure message.
 */
function randomEdit(
  rng: ReturnType<typeof random>,
  files: Files,
  step: number,
): { changes: Record<string, string | null>; what: string } {
  const apps = [
    ...new Set([...files.keys()].flatMap((p) => (p.startsWith("apps/") ? [p.split("/")[1]] : []))),
  ].filter((slug): slug is string => slug !== undefined);
  const app = rng.pick(apps) ?? "first-app";
  const environment = rng.pick([...ENVIRONMENTS, "qa"]) ?? "dev";
  const valuesPath = `apps/${app}/envs/${environment}/values.yaml`;
  const kind = rng.below(14);
  switch (kind) {
    case 0:
    case 1:
      return {
        changes: { [valuesPath]: valuesYaml(`1.${step}.${rng.below(3)}`) },
        what: `set ${valuesPath}`,
      };
    case 2: {
      const slug = `app-${step}-${rng.below(100)}`;
      const versions = Object.fromEntries(
        ENVIRONMENTS.filter(() => rng.below(3) > 0).map((e) => [e, `0.${rng.below(4)}.0`]),
      );
      return {
        changes: appFiles(slug, rng.pick(["payments", "search"]) ?? "x", versions),
        what: `add ${slug}`,
      };
    }
    case 3: {
      const gone = Object.fromEntries(
        [...files.keys()].filter((p) => p.startsWith(`apps/${app}/`)).map((p) => [p, null]),
      );
      return { changes: gone, what: `delete ${app}` };
    }
    case 4:
      return { changes: { [valuesPath]: null }, what: `delete ${valuesPath}` };
    case 5:
      return {
        changes: {
          [`apps/${app}/app.yaml`]: appYaml({
            name: app,
            team: rng.pick(["payments", "search", "identity"]) ?? "x",
            tier: rng.pick(["critical", "high", "low"]),
            extra: `  owner: person-${rng.below(5)}`,
          }),
        },
        what: `metadata of ${app}`,
      };
    case 6:
      return {
        changes: { [`apps/${app}/app.yaml`]: "name: [unclosed\n" },
        what: `break ${app}/app.yaml`,
      };
    case 7:
      return { changes: { [valuesPath]: "image: {tag: [\n" }, what: `break ${valuesPath}` };
    case 8: {
      // Fixes whatever is broken: every app.yaml made valid again.
      const fixed: Record<string, string> = {};
      for (const [path, text] of files) {
        if (path.endsWith("/app.yaml") && text.includes("[unclosed")) {
          fixed[path] = appYaml({ name: path.split("/")[1] ?? "x", team: "payments" });
        }
        if (path.endsWith("/values.yaml") && text.includes("{tag: ["))
          fixed[path] = valuesYaml("2.0.0");
      }
      return { changes: fixed, what: "fix broken files" };
    }
    case 9:
      return {
        changes: {
          "environments.yaml":
            files.get("environments.yaml") === WITH_QA ? ENVIRONMENTS_YAML : WITH_QA,
        },
        what: "environments.yaml: qa added or removed",
      };
    case 10: {
      const layout = files.get("gantry.yaml");
      const next = layout === undefined ? LAYOUTS[0] : layout === LAYOUTS[0] ? LAYOUTS[1] : null;
      return {
        changes: { "gantry.yaml": next ?? null },
        what: `gantry.yaml ${next ? "written" : "removed"}`,
      };
    }
    case 11: {
      // A chart appearing or going changes which apps' charts exist.
      const chart = "charts/batch-job/Chart.yaml";
      return {
        changes: {
          [chart]: files.has(chart) ? null : CHART_YAML.replace("web-service", "batch-job"),
        },
        what: `${chart} added or removed`,
      };
    }
    case 12: {
      // A directory under apps/ whose name is not an app's: a problem of the whole layout.
      const bad = "apps/Not_An_App/app.yaml";
      return {
        changes: { [bad]: files.has(bad) ? null : appYaml({ name: "x", team: "payments" }) },
        what: `${bad} added or removed`,
      };
    }
    default:
      return {
        changes: {
          [`apps/${app}/envs/${environment}/values.yaml`]: valuesYaml(`3.${step}.0`),
          "README.md": `step ${step}\n`,
        },
        what: `set ${valuesPath} and an unrelated file`,
      };
  }
}

/** A GitReader that notes every file read (by path, or by blob id as its path), over the real one. */
function notingReads(git: LocalGitProvider): { git: GitReader; reads: string[] } {
  const reads: string[] = [];
  const pathsOf = new Map<string, string[]>();
  return {
    reads,
    git: {
      kind: git.kind,
      repository: git.repository,
      defaultBranch: git.defaultBranch,
      resolveRef: (ref) => git.resolveRef(ref),
      listTree: async (params) => {
        const entries = await git.listTree(params);
        for (const entry of entries) {
          if (entry.sha) pathsOf.set(entry.sha, [...(pathsOf.get(entry.sha) ?? []), entry.path]);
        }
        return entries;
      },
      listFilesUnder: async (params) => {
        const entries = await git.listFilesUnder(params);
        for (const entry of entries) {
          if (entry.sha) pathsOf.set(entry.sha, [...(pathsOf.get(entry.sha) ?? []), entry.path]);
        }
        return entries;
      },
      changedPaths: (params) => git.changedPaths(params),
      readBlobs: (ids) => {
        for (const id of ids) reads.push(...(pathsOf.get(id) ?? [id]));
        return git.readBlobs(ids);
      },
      readFile: (params) => {
        reads.push(params.path);
        return git.readFile(params);
      },
      readFiles: (params) => {
        reads.push(...params.paths);
        return git.readFiles(params);
      },
      listCommits: (params) => git.listCommits(params),
      fileUrl: (params) => git.fileUrl(params),
      isAncestor: (params) => git.isAncestor(params),
    },
  };
}

/** The paths a step changed that only a full read can follow, or whether the layout file is there. */
function needsFullRead(files: Files, changed: readonly string[]): boolean {
  return (
    files.has("gantry.yaml") ||
    changed.some(
      (path) =>
        path === "gantry.yaml" ||
        path === "environments.yaml" ||
        path.endsWith("/Chart.yaml") ||
        path.startsWith("apps/Not_An_App/"),
    )
  );
}

const FLEET: Record<string, string> = {
  "environments.yaml": ENVIRONMENTS_YAML,
  "charts/web-service/Chart.yaml": CHART_YAML,
  ...appFiles("first-app", "payments", { dev: "1.0.0", staging: "1.0.0", prod: "0.9.0" }),
  ...appFiles("second-app", "search", { dev: "2.0.0", prod: "2.0.0" }),
  ...appFiles("third-app", "search", { dev: "3.0.0", staging: "3.0.0" }),
};

describe("incremental import", () => {
  let repo: GitopsFixture;
  const databases: { db: PrismaClient; drop: () => Promise<void> }[] = [];
  const database = async () => {
    const created = await createTestDatabase();
    databases.push(created);
    return created.db;
  };

  beforeEach(() => {
    repo = createGitopsFixture();
  });
  afterEach(async () => {
    for (const { drop } of databases.splice(0)) await drop();
    repo?.cleanup();
  });

  it.each([11, 2027])(
    "reaches the catalogue a full import reaches, after random edits (seed %i)",
    async (seed) => {
      const rng = random(seed);
      const files: Files = new Map(Object.entries(FLEET));
      repo.commit(FLEET, "fleet");
      const incremental = await database();
      const full = await database();
      const modes: string[] = [];
      const expected: string[] = [];
      for (let step = 0; step < 24; step++) {
        const edits = [randomEdit(rng, files, step)];
        if (rng.below(3) === 0) edits.push(randomEdit(rng, files, step + 100));
        const changed = new Set<string>();
        for (const { changes } of edits) {
          for (const [path, text] of Object.entries(changes)) {
            changed.add(path);
            if (text === null) files.delete(path);
            else files.set(path, text);
          }
        }
        repo.commit(Object.assign({}, ...edits.map((e) => e.changes)), `step ${step}`);
        const what = `step ${step}: ${edits.map((e) => e.what).join(", ")}`;
        // Now and then a restarted process: a reader of its own, nothing carried over in memory.
        const git =
          rng.below(4) === 0
            ? new LocalGitProvider({
                dataDir: repo.dataDir,
                repository: "gitops",
                defaultBranch: "main",
              })
            : repo.provider;
        const noted = notingReads(git);
        const a = await importCatalogue({
          db: incremental,
          git: noted.git,
          versionPath: "image.tag",
          trigger: "test",
        });
        modes.push(a.mode);
        expected.push(step === 0 || needsFullRead(files, [...changed]) ? "full" : "incremental");
        if (a.mode === "incremental") {
          // Only files of the apps the step touched, and environments.yaml, were read.
          const touched = new Set(
            [...changed].map((path) => path.split("/").slice(0, 2).join("/")),
          );
          const stray = noted.reads.filter(
            (path) =>
              path !== "environments.yaml" && !touched.has(path.split("/").slice(0, 2).join("/")),
          );
          expect(stray, what).toEqual([]);
        }
        const b = await importCatalogue({
          db: full,
          git: repo.provider,
          versionPath: "image.tag",
          trigger: "test",
          full: true,
        });
        expect(b.mode, what).toBe("full");
        expect(await dumpCatalogue(incremental), what).toEqual(await dumpCatalogue(full));
        expect(a.problems, what).toBe(b.problems);
      }
      // The first import had nothing to start from; later ones read only what changed,
      // except where every application depends on what changed.
      expect(modes).toEqual(expected);
      expect(modes).toContain("incremental");
    },
    120_000,
  );

  it("reads only the files of the app whose directory changed, and writes only that app", async () => {
    const db = await database();
    repo.commit(FLEET, "fleet");
    const first = notingReads(repo.provider);
    await importCatalogue({
      db,
      git: first.git,
      versionPath: "image.tag",
      trigger: "test",
    });
    expect(first.reads.length).toBeGreaterThan(8);

    repo.commit({ "apps/second-app/envs/prod/values.yaml": valuesYaml("2.1.0") }, "promote");
    const second = notingReads(repo.provider);
    const before = await db.application.findMany({ select: { slug: true, updatedAt: true } });
    const result = await importCatalogue({
      db,
      git: second.git,
      versionPath: "image.tag",
      trigger: "test",
    });
    expect(second.reads.sort()).toEqual([
      "apps/second-app/app.yaml",
      "apps/second-app/envs/dev/values.yaml",
      "apps/second-app/envs/prod/values.yaml",
      "environments.yaml",
    ]);
    expect(result).toMatchObject({ mode: "incremental", appsSeen: 3, appsUpdated: 1 });
    const after = await db.application.findMany({ select: { slug: true, updatedAt: true } });
    const touched = after.filter(
      (app) =>
        before.find((b) => b.slug === app.slug)?.updatedAt.getTime() !== app.updatedAt.getTime(),
    );
    expect(touched.map((app) => app.slug)).toEqual(["second-app"]);
    const prod = await db.deploymentTarget.findFirstOrThrow({
      where: { application: { slug: "second-app" }, environment: { name: "prod" } },
    });
    expect(prod.desiredVersion).toBe("2.1.0");
  });

  it("imports nothing when the head was imported already with the same settings, as after a restart", async () => {
    const db = await database();
    const commit = repo.commit(FLEET, "fleet");
    const first = await importCatalogue({
      db,
      git: repo.provider,
      versionPath: "image.tag",
      trigger: "start",
    });
    // A restarted process: nothing in memory, the same head.
    const restarted = notingReads(repo.provider);
    const again = await importCatalogue({
      db,
      git: restarted.git,
      versionPath: "image.tag",
      trigger: "start",
    });
    expect(again).toMatchObject({
      mode: "unchanged",
      importId: first.importId,
      commit,
      appsSeen: 3,
    });
    expect(restarted.reads).toEqual([]);
    expect(await db.catalogImport.count()).toBe(1);

    // Other settings read the repository differently: that is a new import.
    const otherKey = await importCatalogue({
      db,
      git: repo.provider,
      versionPath: "image.repository",
      trigger: "start",
    });
    expect(otherKey.mode).toBe("full");
    // And --full always reads everything again, even on the same head.
    const forced = await importCatalogue({
      db,
      git: repo.provider,
      versionPath: "image.repository",
      trigger: "cli",
      full: true,
    });
    expect(forced.mode).toBe("full");
    expect(await db.catalogImport.count()).toBe(3);
  });

  it("after a restart, starts from what the latest import recorded in Postgres and reads only the change", async () => {
    const db = await database();
    repo.commit(FLEET, "fleet");
    await importCatalogue({ db, git: repo.provider, versionPath: "image.tag", trigger: "start" });
    expect(await db.importedApplication.count()).toBe(3);

    repo.commit({ "apps/third-app/envs/staging/values.yaml": valuesYaml("3.1.0") }, "promote");
    // A new process: a reader of its own, nothing in memory.
    const noted = notingReads(
      new LocalGitProvider({ dataDir: repo.dataDir, repository: "gitops", defaultBranch: "main" }),
    );
    const result = await importCatalogue({
      db,
      git: noted.git,
      versionPath: "image.tag",
      trigger: "webhook",
    });
    expect(result).toMatchObject({ mode: "incremental", appsSeen: 3, appsUpdated: 1 });
    expect(noted.reads.sort()).toEqual([
      "apps/third-app/app.yaml",
      "apps/third-app/envs/dev/values.yaml",
      "apps/third-app/envs/staging/values.yaml",
      "environments.yaml",
    ]);

    // Other settings reuse nothing: the next import reads everything.
    repo.commit({ "apps/third-app/envs/dev/values.yaml": valuesYaml("3.2.0") }, "promote");
    const other = await importCatalogue({
      db,
      git: repo.provider,
      versionPath: "image.repository",
      trigger: "test",
    });
    expect(other.mode).toBe("full");
  });

  it("reads the whole commit when its history cannot be diffed from the imported one", async () => {
    const db = await database();
    repo.commit(FLEET, "fleet");
    await importCatalogue({ db, git: repo.provider, versionPath: "image.tag", trigger: "test" });
    repo.commit({ "apps/first-app/envs/dev/values.yaml": valuesYaml("1.1.0") }, "promote");
    // A reader that cannot diff (as a host without the history would be).
    const { changedPaths: _unused, ...withoutDiff } = notingReads(repo.provider).git;
    const result = await importCatalogue({
      db,
      git: withoutDiff,
      versionPath: "image.tag",
      trigger: "test",
    });
    expect(result).toMatchObject({ mode: "full", appsSeen: 3 });
    const dev = await db.deploymentTarget.findFirstOrThrow({
      where: { application: { slug: "first-app" }, environment: { name: "dev" } },
    });
    expect(dev.desiredVersion).toBe("1.1.0");
  });

  it("starts from the latest import, whichever process made it", async () => {
    const db = await database();
    const here = new LocalGitProvider({
      dataDir: repo.dataDir,
      repository: "gitops",
      defaultBranch: "main",
    });
    const run = (git: GitReader) =>
      importCatalogue({ db, git, versionPath: "image.tag", trigger: "test" });
    repo.commit(FLEET, "fleet");
    await run(here);
    repo.commit({ "apps/first-app/envs/prod/values.yaml": valuesYaml("5.0.0") }, "elsewhere");
    await run(repo.provider);
    repo.commit({ "apps/first-app/envs/prod/values.yaml": valuesYaml("0.9.0") }, "revert");
    const result = await run(here);
    expect(result.mode).toBe("incremental");
    const prod = await db.deploymentTarget.findFirstOrThrow({
      where: { application: { slug: "first-app" }, environment: { name: "prod" } },
    });
    expect(prod.desiredVersion).toBe("0.9.0");
  });
});
