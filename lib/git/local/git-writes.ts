import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { gitError } from "@/lib/git/errors";
import type { GitCli } from "@/lib/git/local/git-cli";
import { readObjectsQuickly } from "@/lib/git/local/object-reader";
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

/**
 * Refuses branch names git would refuse (the rules of `git check-ref-format`
 * for `refs/heads/<name>`, checked here instead of in a process of their
 * own), and option look-alikes.
 */
export function assertBranchName(name: string): void {
  if (!isValidBranchName(name)) {
    throw gitError("bad_request", `"${name.slice(0, 100)}" is not a valid branch name`);
  }
}

function isValidBranchName(name: string): boolean {
  if (name === "" || name.length > 255 || name.startsWith("-")) return false;
  // Control characters, space, ~ ^ : ? * [ \ and DEL are never part of a ref name.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what is refused
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return false;
  if (name.includes("..") || name.includes("@{") || name.endsWith(".")) return false;
  return name
    .split("/")
    .every((part) => part !== "" && !part.startsWith(".") && !part.endsWith(".lock"));
}

/** The commit a branch points at, or null when there is no such branch. */
export async function branchHead(git: GitCli, name: string): Promise<string | null> {
  assertBranchName(name);
  const [object] = await readObjectsQuickly(git, [`refs/heads/${name}^{commit}`]);
  return object?.type === "commit" ? object.oid : null;
}

/** Resolves an object name to a commit id, or throws not_found. */
export async function commitId(git: GitCli, rev: string): Promise<string> {
  if (rev.startsWith("-") || /[\s\0]/.test(rev) || rev === "") {
    throw gitError("bad_request", `"${rev.slice(0, 80)}" is not a valid commit`);
  }
  const [object] = await readObjectsQuickly(git, [`${rev}^{commit}`]);
  if (object?.type !== "commit" || !OID.test(object.oid)) {
    throw gitError("not_found", `commit "${rev.slice(0, 80)}" does not exist`);
  }
  return object.oid;
}

/**
 * Moves (or creates, with `expected` null) a branch only if it is still at
 * `expected`. Returns false when it was not: someone else moved it first.
 */
export async function compareAndSwapBranch(
  git: GitCli,
  params: { name: string; next: string; expected: string | null; reason: string },
): Promise<boolean> {
  assertBranchName(params.name);
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
 * The tree of `parent` with `files` written into it, built along the changed
 * paths only: the trees on each file's path are read (one request to the
 * repository's reader), the blobs written in one `hash-object`, and the new
 * trees, deepest first, in one `mktree --batch`. The cost follows the depth
 * of the paths and the size of the directories on them, never the size of
 * the repository; no index, no work tree, nothing shared between writers.
 * A file keeps its mode (an executable stays executable); new files are 100644.
 */
export async function treeWithFiles(
  git: GitCli,
  parent: string,
  files: readonly { path: string; content: string }[],
): Promise<string> {
  for (const file of files) {
    if (/[\n\r\0\t]/.test(file.path)) {
      throw gitError("bad_request", "file paths must not contain tabs, line breaks or NUL");
    }
  }
  // Every directory on the way to a file, the root ("") first, parents before children.
  const directories = [...new Set(files.flatMap((file) => parentDirectories(file.path)))].sort(
    (a, b) => depth(a) - depth(b) || (a < b ? -1 : 1),
  );
  const objects = await readObjectsQuickly(git, [
    `${parent}^{tree}`,
    ...directories.slice(1).map((dir) => `${parent}:${dir}`),
  ]);
  if (objects[0]?.type !== "tree") {
    throw gitError("not_found", `commit "${parent.slice(0, 80)}" does not exist`);
  }
  const oidBytes = objects[0].oid.length / 2;
  const trees = new Map<string, TreeEntry[]>();
  directories.forEach((dir, index) => {
    const object = objects[index];
    if (object && object.type !== "tree") {
      throw gitError("bad_request", `${dir} is a file, not a directory`, {
        details: { path: dir },
      });
    }
    trees.set(dir, object ? parseTree(object.content, oidBytes) : []);
  });

  const blobs = await writeBlobs(
    git,
    files.map((file) => file.content),
  );
  files.forEach((file, index) => {
    const dir = parentDirectories(file.path).at(-1) ?? "";
    const name = Buffer.from(file.path.slice(dir === "" ? 0 : dir.length + 1));
    const entries = trees.get(dir) ?? [];
    const existing = entries.find((entry) => entry.name.equals(name));
    if (existing?.mode === "40000") {
      throw gitError("bad_request", `${file.path} is a directory, not a file`, {
        details: { path: file.path },
      });
    }
    setEntry(entries, {
      mode: existing?.mode === "100755" ? "100755" : "100644",
      name,
      oid: blobs[index] ?? "",
    });
  });

  // Deepest first: each new tree's id goes into its parent before the parent is written.
  const mktree = git.spawn(["mktree", "--batch", "-z"]);
  const lines = lineReader(mktree.child.stdout);
  try {
    let root = "";
    for (const dir of [...directories].reverse()) {
      const entries = trees.get(dir) ?? [];
      mktree.child.stdin.write(
        Buffer.concat([
          ...entries.map((entry) =>
            Buffer.concat([
              Buffer.from(`${entry.mode} ${typeOf(entry.mode)} ${entry.oid}\t`),
              entry.name,
              Buffer.from([0]),
            ]),
          ),
          Buffer.from([0]),
        ]),
      );
      const oid = (await lines.next()).trim();
      // An empty answer means mktree stopped: its own error says why.
      if (oid === "") await mktree.done;
      if (!OID.test(oid)) throw gitError("unavailable", "git mktree wrote no tree");
      if (dir === "") {
        root = oid;
        continue;
      }
      const above = parentDirectories(dir).at(-1) ?? "";
      const name = Buffer.from(dir.slice(above === "" ? 0 : above.length + 1));
      setEntry(trees.get(above) ?? [], { mode: "40000", name, oid });
    }
    mktree.child.stdin.end();
    await mktree.done;
    return root;
  } catch (error) {
    mktree.child.kill("SIGKILL");
    throw error;
  }
}

interface TreeEntry {
  mode: string;
  /** Bytes as stored: a name need not be UTF-8. */
  name: Buffer;
  oid: string;
}

/** "a/b/c.yaml" → ["", "a", "a/b"] */
function parentDirectories(path: string): string[] {
  const parts = path.split("/").slice(0, -1);
  return ["", ...parts.map((_, i) => parts.slice(0, i + 1).join("/"))];
}

function depth(dir: string): number {
  return dir === "" ? 0 : dir.split("/").length;
}

function typeOf(mode: string): "tree" | "commit" | "blob" {
  if (mode === "40000") return "tree";
  if (mode === "160000") return "commit";
  return "blob";
}

/** A raw tree object: entries of `<mode> <name>\0<id bytes>`. */
function parseTree(content: Buffer, oidBytes: number): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let offset = 0;
  while (offset < content.length) {
    const space = content.indexOf(0x20, offset);
    const nul = content.indexOf(0, space);
    if (space < 0 || nul < 0 || nul + 1 + oidBytes > content.length) {
      throw gitError("unavailable", "a tree object could not be read");
    }
    entries.push({
      mode: content.subarray(offset, space).toString("latin1"),
      name: Buffer.from(content.subarray(space + 1, nul)),
      oid: content.subarray(nul + 1, nul + 1 + oidBytes).toString("hex"),
    });
    offset = nul + 1 + oidBytes;
  }
  return entries;
}

/** Replaces the entry of the same name, or adds it (mktree puts entries in git's order). */
function setEntry(entries: TreeEntry[], entry: TreeEntry): void {
  const index = entries.findIndex((e) => e.name.equals(entry.name));
  if (index >= 0) entries[index] = entry;
  else entries.push(entry);
}

/** Writes blobs with one `hash-object` whatever their number; their ids in order. */
async function writeBlobs(git: GitCli, contents: readonly string[]): Promise<string[]> {
  if (contents.length === 1) {
    return [
      await git.text(["hash-object", "-w", "--no-filters", "--stdin"], { input: contents[0] }),
    ];
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), "gantry-blobs-"));
  try {
    const paths = await Promise.all(
      contents.map(async (content, index) => {
        const file = path.join(dir, String(index));
        await writeFile(file, content);
        return file;
      }),
    );
    const out = await git.text(["hash-object", "-w", "--no-filters", "--stdin-paths"], {
      input: `${paths.join("\n")}\n`,
    });
    const oids = out.split("\n");
    if (oids.length !== contents.length || !oids.every((oid) => OID.test(oid))) {
      throw gitError("unavailable", "git hash-object did not write every blob");
    }
    return oids;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Lines of a stream, one at a time, as they arrive. */
function lineReader(stream: NodeJS.ReadableStream): { next(): Promise<string> } {
  let buffered = "";
  const waiting: Array<(line: string) => void> = [];
  const ready: string[] = [];
  let ended = false;
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      const resolve = waiting.shift();
      if (resolve) resolve(line);
      else ready.push(line);
      newline = buffered.indexOf("\n");
    }
  });
  stream.on("end", () => {
    ended = true;
    for (const resolve of waiting.splice(0)) resolve("");
  });
  return {
    next() {
      const line = ready.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (ended) return Promise.resolve("");
      return new Promise((resolve) => waiting.push(resolve));
    },
  };
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
