import { mkdir, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { demoRepositorySeed } from "@/lib/demo/generate-repository";
import { GantryError } from "@/lib/errors";
import { ensureLocalRepository } from "@/lib/git/local/ensure-repository";
import { LocalGitProvider } from "@/lib/git/local/local-provider";
import { parseAppManifest } from "@/lib/gitops-repo/app-manifest";
import { parseEnvironments } from "@/lib/gitops-repo/environments";
import { describeLayout } from "@/lib/gitops-repo/paths";
import { readVersion } from "@/lib/gitops-repo/version";
import { git, tempDir } from "./support";

const END = new Date("2025-11-20T00:00:00Z");
const cleanups: Array<() => Promise<void>> = [];

async function dataDir(): Promise<string> {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  return dir;
}

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** Every file and directory under `dir` with its size and mtime: what "left alone" means on disk. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const info = await stat(full);
    out.set(path.relative(dir, full), `${info.size}:${info.mtimeMs}`);
  }
  return out;
}

describe("ensureLocalRepository", () => {
  it("creates and seeds the demo repository following the convention", async () => {
    const dir = await dataDir();
    const result = await ensureLocalRepository({
      dataDir: dir,
      repository: "gitops",
      branch: "main",
      seed: demoRepositorySeed({ apps: 120, endDate: END }),
    });
    expect(result.created).toBe(true);
    expect(result.gitDir).toBe(path.join(dir, "git", "gitops.git"));
    expect(result.head).toMatch(/^[0-9a-f]{40}$/);

    const provider = new LocalGitProvider({
      dataDir: dir,
      repository: "gitops",
      defaultBranch: "main",
    });
    const files = (await provider.listTree({ ref: "main", recursive: true }))
      .filter((entry) => entry.type === "file")
      .map((entry) => entry.path);
    const layout = describeLayout(files);
    expect(layout.problems).toEqual([]);
    expect(layout.apps).toHaveLength(120);
    expect(layout.charts).toEqual(["cronjob", "stateful-service", "web-service", "worker"]);
    expect(layout.environmentsPath).toBe("environments.yaml");
    expect(files).toContain("README.md");
    for (const chart of layout.charts) {
      expect(files).toContain(`charts/${chart}/values.yaml`);
      expect(files.some((f) => f.startsWith(`charts/${chart}/templates/`))).toBe(true);
    }

    const contents = await provider.readFiles({ ref: "main", paths: files });
    const environments = parseEnvironments(
      contents.get("environments.yaml") ?? "",
      "environments.yaml",
    );
    if (!environments.ok) throw new Error(environments.error.message);
    expect(environments.value.environments.map((e) => e.name)).toEqual([
      "dev",
      "test",
      "staging",
      "prod",
    ]);

    const teams = new Set<string>();
    let differing = 0;
    let identical = 0;
    let notInProd = 0;
    for (const app of layout.apps) {
      const manifest = parseAppManifest(
        contents.get(app.manifestPath ?? "") ?? "",
        app.manifestPath ?? "",
      );
      if (!manifest.ok)
        throw new Error(`${manifest.error.file}:${manifest.error.line} ${manifest.error.message}`);
      teams.add(manifest.value.team);
      expect(layout.charts).toContain(manifest.value.chart);
      expect(manifest.value.links.map((l) => l.title)).toEqual(
        expect.arrayContaining(["Runbook", "Dashboard", "Repository"]),
      );
      const versions = [...app.valuesPaths.values()].map((valuesPath) => {
        const version = readVersion(contents.get(valuesPath) ?? "", valuesPath);
        if (!version.ok) throw new Error(`${valuesPath}: ${version.error.message}`);
        return version.value;
      });
      if (new Set(versions).size > 1) differing++;
      else identical++;
      if (!app.valuesPaths.has("prod")) notInProd++;
    }
    expect(teams.size).toBeGreaterThanOrEqual(20);
    expect(differing).toBeGreaterThan(30);
    expect(identical).toBeGreaterThan(10);
    expect(notInProd).toBeGreaterThan(0);

    const commits = await provider.listCommits({ ref: "main", limit: 1000 });
    expect(commits).toHaveLength(42);
    expect(commits.at(-1)?.subject).toBe("Add shared Helm charts and environments");
    expect(commits.some((c) => c.subject.startsWith("Promote "))).toBe(true);
    expect(new Set(commits.map((c) => c.authorEmail)).size).toBeGreaterThan(5);
    const dates = commits.map((c) => Date.parse(c.authoredAt));
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
    expect(Math.max(...dates)).toBeLessThan(END.getTime());
    expect(Math.min(...dates)).toBeGreaterThan(END.getTime() - 43 * 24 * 3600 * 1000);
  });

  it("produces the same repository, commit for commit, every time", async () => {
    const [one, two] = await Promise.all([dataDir(), dataDir()]);
    const options = {
      repository: "gitops",
      branch: "main",
      seed: demoRepositorySeed({ apps: 60, endDate: END }),
    };
    const a = await ensureLocalRepository({ ...options, dataDir: one });
    const b = await ensureLocalRepository({ ...options, dataDir: two });
    expect(a.head).toBe(b.head);
  });

  it("leaves an existing repository alone", async () => {
    const dir = await dataDir();
    const options = {
      dataDir: dir,
      repository: "gitops",
      branch: "main",
      seed: demoRepositorySeed({ apps: 30 }),
    };
    const first = await ensureLocalRepository(options);
    const before = await snapshot(first.gitDir);
    const again = await ensureLocalRepository({
      ...options,
      seed: demoRepositorySeed({ apps: 50 }),
    });
    expect(again).toEqual({ created: false, gitDir: first.gitDir, head: first.head });
    expect(await snapshot(first.gitDir)).toEqual(before);
  });

  it("seeds once when two processes start at the same time", async () => {
    const dir = await dataDir();
    const options = {
      dataDir: dir,
      repository: "gitops",
      branch: "main",
      seed: demoRepositorySeed({ apps: 30, endDate: END }),
    };
    const results = await Promise.all([
      ensureLocalRepository(options),
      ensureLocalRepository(options),
    ]);
    expect(results.map((r) => r.created).sort()).toEqual([false, true]);
    expect(results[0]?.head).toBe(results[1]?.head);
    // No half-built staging directory is left next to the repository.
    expect(await readdir(path.join(dir, "git"))).toEqual(["gitops.git"]);
  });

  it("creates an empty repository when the demo is off", async () => {
    const dir = await dataDir();
    const result = await ensureLocalRepository({
      dataDir: dir,
      repository: "empty",
      branch: "trunk",
      seed: null,
    });
    expect(result).toMatchObject({ created: true, head: null });
    const headRef = await git(["--git-dir", result.gitDir, "symbolic-ref", "HEAD"]);
    expect(headRef.stdout.trim()).toBe("refs/heads/trunk");
  });

  it("refuses a directory that is not a bare repository", async () => {
    const dir = await dataDir();
    await mkdir(path.join(dir, "git", "gitops.git"), { recursive: true });
    await writeFile(path.join(dir, "git", "gitops.git", "notes.txt"), "not git");
    const error = await ensureLocalRepository({
      dataDir: dir,
      repository: "gitops",
      branch: "main",
      seed: demoRepositorySeed({ apps: 5 }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GantryError);
    expect(String(error)).toMatch(/not a bare Git repository/);
  });

  it("refuses bad repository and branch names", async () => {
    const dir = await dataDir();
    for (const [repository, branch] of [
      ["../escape", "main"],
      ["gitops", "bad..branch"],
      ["gitops", "-x"],
    ] as const) {
      const error = await ensureLocalRepository({
        dataDir: dir,
        repository,
        branch,
        seed: null,
      }).catch((e: unknown) => e);
      expect(error, `${repository} ${branch}`).toBeInstanceOf(GantryError);
    }
    expect(await readdir(dir)).toEqual([]);
  });
});
