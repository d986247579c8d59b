import { createHash } from "node:crypto";

/**
 * A Git object store in memory with Git's own object ids (SHA-1 of the
 * object's canonical form), so SHAs from the fake mean what they mean on
 * GitHub: equal trees have equal ids, a commit id covers its parents.
 */

export interface Person {
  name: string;
  email: string;
  /** ISO 8601 */
  date: string;
}

export interface TreeItem {
  name: string;
  mode: "100644" | "100755" | "120000" | "040000";
  type: "blob" | "tree";
  sha: string;
}

export interface CommitObject {
  tree: string;
  parents: string[];
  author: Person;
  committer: Person;
  message: string;
}

function hash(type: string, body: Buffer): string {
  return createHash("sha1")
    .update(Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]))
    .digest("hex");
}

export class ObjectStore {
  readonly blobs = new Map<string, Buffer>();
  readonly trees = new Map<string, TreeItem[]>();
  readonly commits = new Map<string, CommitObject>();

  putBlob(content: Buffer): string {
    const sha = hash("blob", content);
    this.blobs.set(sha, content);
    return sha;
  }

  putTree(items: TreeItem[]): string {
    // Git orders entries by name, a tree's name compared as if it ended with "/".
    const key = (item: TreeItem) => (item.type === "tree" ? `${item.name}/` : item.name);
    const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const body = Buffer.concat(
      sorted.map((item) =>
        Buffer.concat([
          Buffer.from(`${item.mode === "040000" ? "40000" : item.mode} ${item.name}\0`),
          Buffer.from(item.sha, "hex"),
        ]),
      ),
    );
    const sha = hash("tree", body);
    this.trees.set(sha, sorted);
    return sha;
  }

  putCommit(commit: CommitObject): string {
    const signature = (p: Person) =>
      `${p.name} <${p.email}> ${Math.floor(Date.parse(p.date) / 1000)} +0000`;
    const lines = [
      `tree ${commit.tree}`,
      ...commit.parents.map((parent) => `parent ${parent}`),
      `author ${signature(commit.author)}`,
      `committer ${signature(commit.committer)}`,
      "",
      commit.message,
    ];
    const sha = hash("commit", Buffer.from(lines.join("\n")));
    this.commits.set(sha, commit);
    return sha;
  }

  /** Every file of a tree: path → { sha, mode }. */
  flatten(
    treeSha: string,
    prefix = "",
    out = new Map<string, { sha: string; mode: TreeItem["mode"] }>(),
  ) {
    for (const item of this.trees.get(treeSha) ?? []) {
      const path = prefix + item.name;
      if (item.type === "tree") this.flatten(item.sha, `${path}/`, out);
      else out.set(path, { sha: item.sha, mode: item.mode });
    }
    return out;
  }

  /** Builds the trees for a set of files; returns the root tree's SHA. */
  build(files: Map<string, { sha: string; mode: TreeItem["mode"] }>): string {
    type Dir = Map<string, Dir | { sha: string; mode: TreeItem["mode"] }>;
    const top: Dir = new Map();
    for (const [path, file] of files) {
      const segments = path.split("/");
      let dir = top;
      for (const segment of segments.slice(0, -1)) {
        let next = dir.get(segment);
        if (!(next instanceof Map)) {
          next = new Map();
          dir.set(segment, next);
        }
        dir = next;
      }
      dir.set(segments.at(-1) ?? "", file);
    }
    const write = (dir: Dir): string =>
      this.putTree(
        [...dir].map(([name, entry]) =>
          entry instanceof Map
            ? { name, mode: "040000" as const, type: "tree" as const, sha: write(entry) }
            : { name, mode: entry.mode, type: "blob" as const, sha: entry.sha },
        ),
      );
    return write(top);
  }

  /** Every entry below a tree, depth first in Git order, with paths relative to it. */
  walk(treeSha: string, prefix = ""): { path: string; item: TreeItem }[] {
    const out: { path: string; item: TreeItem }[] = [];
    for (const item of this.trees.get(treeSha) ?? []) {
      out.push({ path: prefix + item.name, item });
      if (item.type === "tree") out.push(...this.walk(item.sha, `${prefix}${item.name}/`));
    }
    return out;
  }

  /** Is `ancestor` reachable from `commit` (or equal to it)? */
  isAncestor(ancestor: string, commit: string): boolean {
    return this.ancestors(commit).has(ancestor);
  }

  ancestors(commit: string): Set<string> {
    const seen = new Set<string>();
    const queue = [commit];
    while (queue.length > 0) {
      const sha = queue.pop();
      if (sha === undefined || seen.has(sha)) continue;
      seen.add(sha);
      queue.push(...(this.commits.get(sha)?.parents ?? []));
    }
    return seen;
  }

  /** The nearest common ancestor of two commits (breadth first from `b`). */
  mergeBase(a: string, b: string): string | null {
    const fromA = this.ancestors(a);
    const queue = [b];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const sha = queue.shift();
      if (sha === undefined || seen.has(sha)) continue;
      if (fromA.has(sha)) return sha;
      seen.add(sha);
      queue.push(...(this.commits.get(sha)?.parents ?? []));
    }
    return null;
  }
}
