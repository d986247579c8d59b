import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GantryError } from "@/lib/errors";
import { writeCommits } from "@/lib/git/local/fast-import";
import { GitCli, runGit } from "@/lib/git/local/git-cli";
import { assertBranchName } from "@/lib/git/local/git-writes";
import { LocalGitProvider } from "@/lib/git/local/local-provider";
import { tempDir } from "./support";

const ALICE = { name: "Alice Example", email: "alice@example.com" };

/** Names around every rule of `git check-ref-format`, and ordinary ones. */
const BRANCH_NAMES = [
  "main",
  "gantry/promote/payments-api/prod/1.4.0",
  "feature/a_b-c+d=e,f",
  "release/2024.11.8",
  "ünïcødé/branch",
  "a",
  "@",
  "a@b",
  "a@{1}",
  "a..b",
  "a.",
  ".a",
  "a/.b",
  "a.lock",
  "a/b.lock/c",
  "a.lockx",
  "a/",
  "/a",
  "a//b",
  "a b",
  "a\tb",
  "a~1",
  "a^",
  "a:b",
  "a?",
  "a*",
  "a[b",
  "a\\b",
  "a\x7fb",
  "a\x01b",
  "-a",
  "a-",
  "a/-b",
  "x".repeat(256),
];

async function gitAccepts(name: string): Promise<boolean> {
  const { exitCode } = await runGit(["check-ref-format", `refs/heads/${name}`], {
    okExitCodes: [1],
  });
  return exitCode === 0;
}

function accepts(name: string): boolean {
  try {
    assertBranchName(name);
    return true;
  } catch (error) {
    if (error instanceof GantryError && error.code === "bad_request") return false;
    throw error;
  }
}

describe("branch names checked in-process", () => {
  it("accepts and refuses what git check-ref-format does (and option look-alikes, and long names)", async () => {
    for (const name of BRANCH_NAMES) {
      const expected = (await gitAccepts(name)) && !name.startsWith("-") && name.length <= 255;
      expect({ name, accepted: accepts(name) }).toEqual({ name, accepted: expected });
    }
  });
});

describe("LocalGitProvider commits along the changed paths", () => {
  let dataDir: string;
  let cleanup: () => Promise<void>;
  let gitDir: string;
  let provider: LocalGitProvider;
  let base: string;

  const git = (...args: string[]) => provider.git.text(args);

  beforeEach(async () => {
    ({ dir: dataDir, cleanup } = await tempDir());
    gitDir = path.join(dataDir, "git", "fixture.git");
    await mkdir(path.dirname(gitDir), { recursive: true });
    await runGit(["init", "--quiet", "--bare", "--initial-branch=main", gitDir]);
    base = await writeCommits(new GitCli({ gitDir }), {
      branch: "main",
      commits: [
        {
          message: "Fleet",
          author: ALICE,
          date: new Date("2025-01-02T10:00:00Z"),
          changes: [
            { path: "environments.yaml", content: "envs: []\n" },
            { path: "apps/a/envs/prod/values.yaml", content: "image:\n  tag: 1.0.0\n" },
            { path: "apps/a/envs/dev/values.yaml", content: "image:\n  tag: 1.1.0\n" },
            { path: "apps/b/envs/prod/values.yaml", content: "image:\n  tag: 2.0.0\n" },
            { path: "apps/b/run.sh", content: "#!/bin/sh\n" },
          ],
        },
      ],
    });
    // An executable file, as a repository may hold (fast-import above writes 100644).
    const tmpIndex = { GIT_INDEX_FILE: path.join(dataDir, "index") };
    const cli = new GitCli({ gitDir });
    await cli.run(["read-tree", base], { env: tmpIndex });
    const script = await cli.text(["rev-parse", `${base}:apps/b/run.sh`]);
    await cli.run(["update-index", "--cacheinfo", `100755,${script},apps/b/run.sh`], {
      env: tmpIndex,
    });
    const tree = await cli.text(["write-tree"], { env: tmpIndex });
    base = await cli.text(["commit-tree", tree, "-p", base, "-m", "Executable"], {
      env: {
        GIT_AUTHOR_NAME: "A",
        GIT_AUTHOR_EMAIL: "a@example.com",
        GIT_COMMITTER_NAME: "A",
        GIT_COMMITTER_EMAIL: "a@example.com",
      },
    });
    await cli.run(["update-ref", "refs/heads/main", base]);
    provider = new LocalGitProvider({ dataDir, repository: "fixture", defaultBranch: "main" });
  });
  afterEach(async () => {
    await cleanup?.();
  });

  /** The tree git itself makes of the same change through a whole index: the reference. */
  async function treeThroughIndex(files: { path: string; content: string }[]): Promise<string> {
    const env = { GIT_INDEX_FILE: path.join(dataDir, "reference-index") };
    await provider.git.run(["read-tree", base], { env });
    for (const file of files) {
      const blob = await provider.git.text(["hash-object", "-w", "--stdin"], {
        input: file.content,
      });
      const mode = file.path === "apps/b/run.sh" ? "100755" : "100644";
      await provider.git.run(
        ["update-index", "--add", "--cacheinfo", `${mode},${blob},${file.path}`],
        {
          env,
        },
      );
    }
    return provider.git.text(["write-tree"], { env });
  }

  it("writes the same tree as a whole-index commit: changed, new, nested and executable files", async () => {
    const files = [
      { path: "apps/a/envs/prod/values.yaml", content: "image:\n  tag: 1.1.0\n" },
      { path: "apps/c/envs/prod/values.yaml", content: "image:\n  tag: 3.0.0\n" },
      { path: "apps/b/run.sh", content: "#!/bin/sh\nexit 0\n" },
      { path: "README.md", content: "# fleet\n" },
    ];
    await provider.createBranch({ name: "change", from: base });
    const sha = await provider.commitFiles({
      branch: "change",
      parent: base,
      message: "Change",
      author: ALICE,
      files,
    });
    expect(await git("rev-parse", `${sha}^{tree}`)).toBe(await treeThroughIndex(files));
    expect(await git("ls-tree", sha, "apps/b/run.sh")).toMatch(/^100755 blob /);
    expect(await git("rev-parse", `${sha}^`)).toBe(base);
    expect(await provider.getBranch("change")).toBe(sha);
  });

  it("refuses a file where a directory is, and a directory where a file is", async () => {
    await provider.createBranch({ name: "bad", from: base });
    const commit = (filePath: string) =>
      provider.commitFiles({
        branch: "bad",
        parent: base,
        message: "Bad",
        author: ALICE,
        files: [{ path: filePath, content: "x\n" }],
      });
    await expect(commit("apps/a")).rejects.toMatchObject({ code: "bad_request" });
    await expect(commit("environments.yaml/inner.yaml")).rejects.toMatchObject({
      code: "bad_request",
    });
    expect(await provider.getBranch("bad")).toBe(base);
  });

  it("reads a branch moved by another process at once, and a repository made again at the same path", async () => {
    expect(await provider.getBranch("main")).toBe(base);
    const other = await provider.git.text(
      ["commit-tree", `${base}^{tree}`, "-p", base, "-m", "elsewhere"],
      {
        env: {
          GIT_AUTHOR_NAME: "B",
          GIT_AUTHOR_EMAIL: "b@example.com",
          GIT_COMMITTER_NAME: "B",
          GIT_COMMITTER_EMAIL: "b@example.com",
        },
      },
    );
    await runGit([`--git-dir=${gitDir}`, "update-ref", "refs/heads/main", other]);
    expect(await provider.getBranch("main")).toBe(other);
    await runGit([`--git-dir=${gitDir}`, "pack-refs", "--all"]);
    expect(await provider.resolveRef("main")).toBe(other);

    await rm(gitDir, { recursive: true, force: true });
    await runGit(["init", "--quiet", "--bare", "--initial-branch=main", gitDir]);
    const fresh = await writeCommits(new GitCli({ gitDir }), {
      branch: "main",
      commits: [
        {
          message: "Again",
          author: ALICE,
          date: new Date("2025-02-02T10:00:00Z"),
          changes: [{ path: "x.txt", content: "x\n" }],
        },
      ],
    });
    expect(await provider.resolveRef("main")).toBe(fresh);
    expect(await provider.readFile({ ref: "main", path: "x.txt" })).toBe("x\n");
  });
});
