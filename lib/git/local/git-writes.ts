import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gitError } from "@/lib/git/errors";
import { type GitCli, runGit } from "@/lib/git/local/git-cli";
import type { GitPerson } from "@/lib/git/provider";

/**
 * Writing to a bare repository with git's plumbing: objects are written
 * first (nothing points at them yet, so a crash leaves only garbage for
 * `git gc`), and a ref moves last with `update-ref <ref> <new> <old>`, a
 * compare-and-swap: if someone moved the ref in between, nothing changes and
 * the caller gets a conflict instead of silently losing their commit.
 */

const ZERO_OID = "0000000000000000000000000000000000000000";
const OID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** Refuses branch names git would refuse, and option look-alikes. */
export async function assertBranchName(name: string): Promise<void> {
  const { exitCode } = await runGit(["check-ref-format", `refs/heads/${name}`], {
    okExitCodes: [1],
  });
  if (exitCode !== 0 || name.startsWith("-") || name.length > 255) {
    throw gitError("bad_request", `"${name.slice(0, 100)}" is not a valid branch name`);
  }
}

/** The commit a branch points at, or null when there is no such branch. */
export async function branchHead(git: GitCli, name: string): Promise<string | null> {
  await assertBranchName(name);
  const { stdout, exitCode } = await git.run(
    ["rev-parse", "--verify", "--quiet", "--end-of-options", `refs/heads/${name}^{commit}`],
    { okExitCodes: [1] },
  );
  return exitCode === 0 ? stdout.toString("utf8").trim() : null;
}

/** Resolves an object name to a commit id, or throws not_found. */
export async function commitId(git: GitCli, rev: string): Promise<string> {
  if (rev.startsWith("-") || /[\s\0]/.test(rev)) {
    throw gitError("bad_request", `"${rev.slice(0, 80)}" is not a valid commit`);
  }
  const { stdout, exitCode } = await git.run(
    ["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`],
    { okExitCodes: [1] },
  );
  const sha = stdout.toString("utf8").trim();
  if (exitCode !== 0 || !OID.test(sha)) {
    throw gitError("not_found", `commit "${rev.slice(0, 80)}" does not exist`);
  }
  return sha;
}

/**
 * Moves (or creates, with `expected` null) a branch only if it is still at
 * `expected`. Returns false when it was not: someone else moved it first.
 */
export async function compareAndSwapBranch(
  git: GitCli,
  params: { name: string; next: string; expected: string | null; reason: string },
): Promise<boolean> {
  await assertBranchName(params.name);
  const { exitCode } = await git.run(
    [
      "update-ref",
      "-m",
      params.reason,
      `refs/heads/${params.name}`,
      params.next,
      params.expected ?? ZERO_OID,
    ],
    { okExitCodes: [128, 1] },
  );
  return exitCode === 0;
}

/** True when `ancestor` is reachable from `descendant` (or is it). */
export async function isAncestor(
  git: GitCli,
  ancestor: string,
  descendant: string,
): Promise<boolean> {
  const { exitCode } = await git.run(["merge-base", "--is-ancestor", ancestor, descendant], {
    okExitCodes: [1],
  });
  return exitCode === 0;
}

/** Git's identity variables for a person; `<`, `>` and line breaks would corrupt the header. */
function identityEnv(author: GitPerson, committer: GitPerson = author): Record<string, string> {
  const clean = (value: string) => value.replace(/[<>\n\r\0]/g, "").trim() || "unknown";
  return {
    GIT_AUTHOR_NAME: clean(author.name),
    GIT_AUTHOR_EMAIL: clean(author.email),
    GIT_COMMITTER_NAME: clean(committer.name),
    GIT_COMMITTER_EMAIL: clean(committer.email),
  };
}

/**
 * The tree of `parent` with `files` written into it. A temporary index
 * (GIT_INDEX_FILE) is loaded from the parent, the new blobs are put in it,
 * and `write-tree` turns it into a tree: no work tree, no checkout, and
 * concurrent writers never share an index.
 */
export async function treeWithFiles(
  git: GitCli,
  parent: string,
  files: readonly { path: string; content: string }[],
): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "gantry-index-"));
  const env = { GIT_INDEX_FILE: path.join(dir, "index") };
  try {
    await git.run(["read-tree", parent], { env });
    const lines: string[] = [];
    for (const file of files) {
      const blob = await git.text(["hash-object", "-w", "--stdin"], { input: file.content });
      if (/[\n\r\0\t]/.test(file.path)) {
        throw gitError("bad_request", "file paths must not contain tabs, line breaks or NUL");
      }
      lines.push(`100644 ${blob}\t${file.path}`);
    }
    await git.run(["update-index", "--add", "--index-info"], {
      env,
      input: `${lines.join("\n")}\n`,
    });
    return await git.text(["write-tree"], { env });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes a commit object (no ref moves). */
export async function writeCommit(
  git: GitCli,
  params: {
    tree: string;
    parents: readonly string[];
    message: string;
    author: GitPerson;
    committer?: GitPerson;
  },
): Promise<string> {
  const args = ["commit-tree", params.tree];
  for (const parent of params.parents) args.push("-p", parent);
  args.push("-F", "-");
  const message = params.message.endsWith("\n") ? params.message : `${params.message}\n`;
  return git.text(args, { input: message, env: identityEnv(params.author, params.committer) });
}

export type MergeTreeResult = { clean: true; tree: string } | { clean: false; conflicts: string[] };

/** Merges two commits in memory (`git merge-tree --write-tree`): a tree, or the conflicting files. */
export async function mergeTrees(
  git: GitCli,
  ours: string,
  theirs: string,
): Promise<MergeTreeResult> {
  const { stdout, exitCode } = await git.run(
    ["merge-tree", "--write-tree", "-z", "--name-only", "--no-messages", ours, theirs],
    { okExitCodes: [1] },
  );
  const [tree = "", ...rest] = stdout.toString("utf8").split("\0");
  if (exitCode === 0) return { clean: true, tree };
  const conflicts = [...new Set(rest.filter((name) => name !== ""))].sort();
  return { clean: false, conflicts };
}

/**
 * The newest commit on `branch`'s first-parent line (within `limit`) whose
 * message has the trailer line `key: value`, or null.
 */
export async function findCommitWithTrailer(
  git: GitCli,
  params: { branch: string; key: string; value: string; limit?: number },
): Promise<string | null> {
  const head = await branchHead(git, params.branch);
  if (!head) return null;
  const escaped = `${params.key}: ${params.value}`.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const out = await git.text([
    "log",
    "--first-parent",
    `--max-count=${params.limit ?? 500}`,
    "--format=%H",
    "-E",
    `--grep=^${escaped}$`,
    head,
  ]);
  const sha = out.split("\n")[0]?.trim() ?? "";
  return OID.test(sha) ? sha : null;
}
