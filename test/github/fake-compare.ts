import type { ObjectStore } from "./git-objects";

/**
 * The `files` of GitHub's compare answer, from the fake's objects: every
 * path whose blob or mode differs between the merge base and the head, a
 * blob that only moved shown as `renamed` with its `previous_filename`, in
 * path order, cut at 300 files as GitHub cuts its list.
 */
export function changedFiles(
  fake: {
    store: ObjectStore;
    commit(sha: string): { tree: string };
    apiRepoUrl: string;
    webRepoUrl: string;
  },
  base: string,
  head: string,
) {
  const before = fake.store.flatten(fake.commit(base).tree);
  const after = fake.store.flatten(fake.commit(head).tree);
  const removed = [...before].filter(([path]) => !after.has(path));
  const entries: {
    filename: string;
    status: "added" | "removed" | "modified" | "renamed" | "changed";
    sha: string;
    previous?: string;
  }[] = [];
  const renamedFrom = new Set<string>();
  for (const [path, file] of after) {
    const old = before.get(path);
    if (old === undefined) {
      const moved = removed.find(([from, was]) => was.sha === file.sha && !renamedFrom.has(from));
      if (moved) {
        renamedFrom.add(moved[0]);
        entries.push({ filename: path, status: "renamed", sha: file.sha, previous: moved[0] });
      } else {
        entries.push({ filename: path, status: "added", sha: file.sha });
      }
    } else if (old.sha !== file.sha) {
      entries.push({ filename: path, status: "modified", sha: file.sha });
    } else if (old.mode !== file.mode) {
      entries.push({ filename: path, status: "changed", sha: file.sha });
    }
  }
  for (const [path, file] of removed) {
    if (!renamedFrom.has(path)) entries.push({ filename: path, status: "removed", sha: file.sha });
  }
  entries.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  const encoded = (path: string) => path.split("/").map(encodeURIComponent).join("/");
  return entries.slice(0, 300).map((entry) => {
    const at = entry.status === "removed" ? base : head;
    return {
      sha: entry.sha,
      filename: entry.filename,
      status: entry.status,
      additions: 0,
      deletions: 0,
      changes: 0,
      blob_url: `${fake.webRepoUrl}/blob/${at}/${encoded(entry.filename)}`,
      raw_url: `${fake.webRepoUrl}/raw/${at}/${encoded(entry.filename)}`,
      contents_url: `${fake.apiRepoUrl}/contents/${encoded(entry.filename)}?ref=${at}`,
      ...(entry.previous === undefined ? {} : { previous_filename: entry.previous }),
    };
  });
}
