import type { ObjectStore } from "./git-objects";

/**
 * `repository.object(expression:|oid:)` of the fake GitHub's GraphQL, over
 * its objects: a commit, a tree with its entries (each entry's `object`
 * resolved when asked), or a blob as GitHub describes one. GitHub's Blob
 * gives UTF-8 text: bytes with a NUL are binary (no text), a text longer
 * than `blobTextLimit` bytes is cut (`isTruncated`), and bytes that are not
 * UTF-8 come back transcoded as GitHub's encoding detection would (here as
 * Latin-1), so the text is not the file's bytes.
 */
export interface GraphqlObjects {
  readonly store: ObjectStore;
  blobTextLimit: number;
  resolve(ref: string): string | null;
}

export function objectNode(
  fake: GraphqlObjects,
  args: { expression?: string | null; oid?: string | null },
) {
  if (typeof args.oid === "string") return nodeFor(fake, args.oid, "");
  const expression = args.expression ?? "";
  const colon = expression.indexOf(":");
  const rev = colon < 0 ? expression : expression.slice(0, colon);
  const commit = fake.resolve(rev);
  if (commit === null) return null;
  if (colon < 0) return nodeFor(fake, commit, "");
  const path = expression.slice(colon + 1);
  let sha = fake.store.commits.get(commit)?.tree ?? "";
  if (path !== "") {
    for (const segment of path.split("/")) {
      const item = (fake.store.trees.get(sha) ?? []).find((entry) => entry.name === segment);
      if (!item) return null;
      sha = item.sha;
    }
  }
  return nodeFor(fake, sha, path);
}

function nodeFor(fake: GraphqlObjects, sha: string, path: string): Record<string, unknown> | null {
  const { store } = fake;
  if (store.commits.has(sha)) return { __typename: "Commit", oid: sha };
  const blob = store.blobs.get(sha);
  if (blob) return blobNode(fake, sha, blob);
  const items = store.trees.get(sha);
  if (!items) return null;
  return {
    __typename: "Tree",
    oid: sha,
    entries: items.map((item) => {
      const full = path === "" ? item.name : `${path}/${item.name}`;
      return {
        name: item.name,
        path: full,
        type: item.type,
        oid: item.sha,
        mode: Number.parseInt(item.mode, 8),
        size: item.type === "blob" ? (store.blobs.get(item.sha)?.length ?? 0) : 0,
        object: () => nodeFor(fake, item.sha, full),
      };
    }),
  };
}

function blobNode(fake: GraphqlObjects, sha: string, bytes: Buffer) {
  const binary = bytes.includes(0);
  const cut = bytes.length > fake.blobTextLimit;
  const shown = cut ? bytes.subarray(0, fake.blobTextLimit) : bytes;
  let text: string | null = null;
  if (!binary) {
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(shown);
    } catch {
      text = shown.toString("latin1");
    }
  }
  return {
    __typename: "Blob",
    oid: sha,
    byteSize: bytes.length,
    isBinary: binary,
    isTruncated: cut,
    text,
  };
}
