import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import { warmImportMemory } from "@/lib/catalogue/warm-import-memory";
import { createImportMemory, type ImportMemory } from "@/lib/catalogue/written-catalogue";
import type { PrismaClient } from "@/lib/generated/prisma/client";
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
  const kind = rng.below(12);
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

/** A GitReader that notes every path read, over the real one. */
function notingReads(git: GitReader): { git: GitReader; reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    git: {
      kind: git.kind,
      repository: git.repository,
      defaultBranch: git.defaultBranch,
      resolveRef: (ref) => git.resolveRef(ref),
      listTree: (params) => git.listTree(params),
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
      const memory = createImportMemory();
      const modes: string[] = [];
      for (let step = 0; step < 24; step++) {
        const edits = [randomEdit(rng, files, step)];
        if (rng.below(3) === 0) edits.push(randomEdit(rng, files, step + 100));
        for (const { changes } of edits) {
          for (const [path, text] of Object.entries(changes)) {
            if (text === null) files.delete(path);
            else files.set(path, text);
          }
        }
        repo.commit(Object.assign({}, ...edits.map((e) => e.changes)), `step ${step}`);
        const what = `step ${step}: ${edits.map((e) => e.what).join(", ")}`;
        const a = await importCatalogue({
          db: incremental,
          git: repo.provider,
          versionPath: "image.tag",
          trigger: "test",
          memory,
        });
        modes.push(a.mode);
        const b = await importCatalogue({
          db: full,
          git: repo.provider,
          versionPath: "image.tag",
          trigger: "test",
          full: true,
          memory: createImportMemory(),
        });
        expect(b.mode, what).toBe("full");
        expect(await dumpCatalogue(incremental), what).toEqual(await dumpCatalogue(full));
        expect(a.problems, what).toBe(b.problems);
      }
      // The first import had nothing to start from; every later one wrote only what changed.
      expect(modes).toEqual(["full", ...Array(23).fill("incremental")]);
    },
    120_000,
  );

  it("reads and parses only the files whose blob changed, and writes only the app that changed", async () => {
    const db = await database();
    const memory = createImportMemory();
    repo.commit(FLEET, "fleet");
    const first = notingReads(repo.provider);
    await importCatalogue({
      db,
      git: first.git,
      versionPath: "image.tag",
      trigger: "test",
      memory,
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
      memory,
    });
    expect(second.reads).toEqual(["apps/second-app/envs/prod/values.yaml"]);
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
      memory: createImportMemory(),
    });
    // A restarted process: nothing in memory, the same head.
    const restarted = notingReads(repo.provider);
    const again = await importCatalogue({
      db,
      git: restarted.git,
      versionPath: "image.tag",
      trigger: "start",
      memory: createImportMemory(),
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
      memory: createImportMemory(),
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

  it("after a restart on an imported head, reads that commit into memory so the next import is incremental", async () => {
    const db = await database();
    repo.commit(FLEET, "fleet");
    await importCatalogue({
      db,
      git: repo.provider,
      versionPath: "image.tag",
      trigger: "start",
      memory: createImportMemory(),
    });
    const restarted = createImportMemory();
    // Settings other than the imported ones: nothing to build on.
    expect(
      await warmImportMemory({ db, git: repo.provider, versionPath: "x.y", memory: restarted }),
    ).toBe(false);
    expect(
      await warmImportMemory({
        db,
        git: repo.provider,
        versionPath: "image.tag",
        memory: restarted,
      }),
    ).toBe(true);

    repo.commit({ "apps/third-app/envs/staging/values.yaml": valuesYaml("3.1.0") }, "promote");
    const noted = notingReads(repo.provider);
    const result = await importCatalogue({
      db,
      git: noted.git,
      versionPath: "image.tag",
      trigger: "webhook",
      memory: restarted,
    });
    expect(result).toMatchObject({ mode: "incremental", appsUpdated: 1 });
    expect(noted.reads).toEqual(["apps/third-app/envs/staging/values.yaml"]);
  });

  it("writes everything when another process imported since this one's last import", async () => {
    const db = await database();
    const here = createImportMemory();
    const elsewhere = createImportMemory();
    const run = (memory: ImportMemory) =>
      importCatalogue({
        db,
        git: repo.provider,
        versionPath: "image.tag",
        trigger: "test",
        memory,
      });
    repo.commit(FLEET, "fleet");
    await run(here);
    repo.commit({ "apps/first-app/envs/prod/values.yaml": valuesYaml("5.0.0") }, "elsewhere");
    await run(elsewhere);
    // Back to what this process wrote last: only the stored catalogue knows prod is at 5.0.0.
    repo.commit({ "apps/first-app/envs/prod/values.yaml": valuesYaml("0.9.0") }, "revert");
    const result = await run(here);
    expect(result.mode).toBe("full");
    const prod = await db.deploymentTarget.findFirstOrThrow({
      where: { application: { slug: "first-app" }, environment: { name: "prod" } },
    });
    expect(prod.desiredVersion).toBe("0.9.0");
  });
});
