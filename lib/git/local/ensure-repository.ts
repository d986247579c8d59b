import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { gitError } from "@/lib/git/errors";
import { type CommitToWrite, writeCommits } from "@/lib/git/local/fast-import";
import { GitCli, runGit } from "@/lib/git/local/git-cli";
import { bareRepositoryPath, gitRoot } from "@/lib/git/local/repository-path";

/**
 * The content a new repository starts with (the demo fleet, from lib/demo,
 * passed in by whoever boots: the Git wrapper knows nothing of the demo).
 * Generated only when the repository is created.
 */
export interface RepositorySeed {
  /** What is generated, for the progress message: "the demo GitOps repository (420 apps)". */
  description: string;
  generate(): { commits: Iterable<CommitToWrite>; summary: string };
}

export interface EnsureRepositoryOptions {
  dataDir: string;
  repository: string;
  branch: string;
  /** Seeds a new repository; null creates it empty. */
  seed: RepositorySeed | null;
  onProgress?: (message: string) => void;
}

export interface EnsureRepositoryResult {
  /** True when this call created the repository; false when it was already there. */
  created: boolean;
  gitDir: string;
  /** The branch's head, or null when the branch has no commits. */
  head: string | null;
}

/**
 * Makes sure the local bare repository exists, creating (and seeding) it on
 * first start. An existing repository is never touched: it may hold
 * promotions people merged.
 *
 * The repository is built in a temporary directory next to its final place
 * and renamed into it in one step, so a crash mid-seed never leaves a
 * half-seeded repository that later starts would take for a finished one,
 * and two processes starting at once cannot both seed: the second rename
 * fails and that process uses the winner's repository.
 */
export async function ensureLocalRepository(
  options: EnsureRepositoryOptions,
): Promise<EnsureRepositoryResult> {
  const gitDir = bareRepositoryPath(options.dataDir, options.repository);
  const progress = options.onProgress ?? (() => undefined);
  await assertBranchName(options.branch);

  if (existsSync(gitDir)) return { created: false, gitDir, head: await existing(gitDir, options) };

  await mkdir(gitRoot(options.dataDir), { recursive: true });
  const staging = `${gitDir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await runGit(["init", "--quiet", "--bare", `--initial-branch=${options.branch}`, staging]);
    const git = new GitCli({ gitDir: staging });
    // Belt and braces: the smart HTTP handler refuses pushes itself, and so does git.
    await git.run(["config", "http.receivepack", "false"]);
    await git.run(["config", "uploadpack.allowFilter", "true"]);

    let head: string | null = null;
    if (options.seed) {
      const started = performance.now();
      progress(`generating ${options.seed.description}`);
      const seed = options.seed.generate();
      let written = 0;
      const counted = function* () {
        for (const commit of seed.commits) {
          written++;
          yield commit;
        }
      };
      head = await writeCommits(git, { branch: options.branch, commits: counted() });
      progress(
        `seeded ${options.repository} with ${seed.summary} in ${written} commits (${Math.round(performance.now() - started)} ms)`,
      );
    }

    try {
      await rename(staging, gitDir);
    } catch (error) {
      if (isAlreadyThere(error)) {
        await rm(staging, { recursive: true, force: true });
        return { created: false, gitDir, head: await existing(gitDir, options) };
      }
      throw error;
    }
    return { created: true, gitDir, head };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

async function existing(gitDir: string, options: EnsureRepositoryOptions): Promise<string | null> {
  const git = new GitCli({ gitDir });
  const notBare = (cause?: unknown) =>
    gitError(
      "unavailable",
      `${gitDir} exists but is not a bare Git repository; move it away or set GANTRY_GITOPS_REPO to another name`,
      { cause },
    );
  let bare: string;
  try {
    bare = await git.text(["rev-parse", "--is-bare-repository"]);
  } catch (error) {
    throw notBare(error);
  }
  if (bare !== "true") throw notBare();
  const { stdout, exitCode } = await git.run(
    ["rev-parse", "--verify", "--quiet", `refs/heads/${options.branch}`],
    { okExitCodes: [1] },
  );
  return exitCode === 0 ? stdout.toString("utf8").trim() : null;
}

async function assertBranchName(branch: string): Promise<void> {
  const { exitCode } = await runGit(["check-ref-format", `refs/heads/${branch}`], {
    okExitCodes: [1],
  });
  if (exitCode !== 0 || branch.startsWith("-")) {
    throw gitError("bad_request", `"${branch.slice(0, 100)}" is not a valid branch name`);
  }
}

function isAlreadyThere(error: unknown): boolean {
  return (
    error instanceof Error &&
    "code" in error &&
    (error.code === "EEXIST" || error.code === "ENOTEMPTY")
  );
}
