import { createHash } from "node:crypto";
import { z } from "zod";
import { githubError, validated } from "@/lib/git/github/client";
import type { TreeEntry } from "@/lib/git/provider";

/**
 * Reading a few directories and files of a commit through GraphQL instead
 * of the commit's whole tarball: one query lists every path asked for (an
 * aliased `object(expression: "<commit>:<path>")` each, its trees nested
 * `TREE_LEVELS` deep), one query reads many blobs (an aliased
 * `object(oid:)` each). What a merge's import needs of one application is
 * then two requests, whatever the fleet's size.
 *
 * GitHub gives a blob as UTF-8 text, transcoding what it takes for another
 * encoding and leaving out what it calls binary or cuts as too long: a text
 * is used only when its UTF-8 bytes hash to the blob's id, so it is the
 * file's exact bytes. Any other blob is left for the caller to read whole
 * (REST's blobs API), as the tarball would have carried it.
 */

/** Tree levels one query lists below each path; a deeper tree is listed by the next query. */
const TREE_LEVELS = 4;
/** Paths (or deeper trees) listed in one query. */
const TREES_PER_QUERY = 50;
/** Rounds of deeper trees before the listing gives up (the caller reads the tarball then). */
const MAX_ROUNDS = 8;
/** Entries one listing may hold. */
const MAX_ENTRIES = 200_000;
/** Blobs read in one query, and the text they may bring back by their known sizes. */
const BLOBS_PER_QUERY = 100;
const BLOB_BYTES_PER_QUERY = 4 * 1024 * 1024;
/** A blob whose size is not known counts as this much in a query's budget. */
const UNKNOWN_BLOB_BYTES = 64 * 1024;

/** Sends one GraphQL query; every failure is the caller's to judge. */
export type GraphqlQuery = (query: string, variables: Record<string, unknown>) => Promise<unknown>;

const objectId = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, "expected a Git object id");

interface GraphqlTreeEntry {
  name: string;
  type: string;
  oid: string;
  size: number;
  object?: { entries?: GraphqlTreeEntry[] | null } | null;
}

const treeEntrySchema: z.ZodType<GraphqlTreeEntry> = z.lazy(() =>
  z.object({
    name: z.string().min(1).max(1024),
    type: z.string().max(20),
    oid: objectId,
    size: z.number().int().nonnegative(),
    object: z.object({ entries: z.array(treeEntrySchema).max(MAX_ENTRIES).nullish() }).nullish(),
  }),
);

const listedObjectSchema = z
  .object({
    __typename: z.string(),
    oid: objectId.optional(),
    byteSize: z.number().int().nonnegative().optional(),
    entries: z.array(treeEntrySchema).max(MAX_ENTRIES).nullish(),
  })
  .nullable();

const listingSchema = z.object({
  repository: z.record(z.string(), listedObjectSchema).nullable(),
});

const blobSchema = z
  .object({
    __typename: z.string(),
    oid: objectId.optional(),
    byteSize: z.number().int().nonnegative().optional(),
    isBinary: z.boolean().nullish(),
    isTruncated: z.boolean().optional(),
    text: z.string().nullish(),
  })
  .nullable();

const blobsSchema = z.object({ repository: z.record(z.string(), blobSchema).nullable() });

function entriesField(levels: number): string {
  const below = levels > 1 ? ` object { ... on Tree { ${entriesField(levels - 1)} } }` : "";
  return `entries { name type oid size${below} }`;
}

function listingQuery(count: number, by: "expression" | "oid"): string {
  const type = by === "expression" ? "String!" : "GitObjectID!";
  const variables = Array.from({ length: count }, (_, i) => `$t${i}: ${type}`).join(", ");
  const fields = Array.from(
    { length: count },
    (_, i) =>
      `t${i}: object(${by}: $t${i}) { __typename ... on Blob { oid byteSize } ... on Tree { oid ${entriesField(TREE_LEVELS)} } }`,
  ).join("\n    ");
  return `query ($owner: String!, $name: String!, ${variables}) {\n  repository(owner: $owner, name: $name) {\n    ${fields}\n  }\n}`;
}

function blobsQuery(count: number): string {
  const variables = Array.from({ length: count }, (_, i) => `$b${i}: GitObjectID!`).join(", ");
  const fields = Array.from(
    { length: count },
    (_, i) =>
      `b${i}: object(oid: $b${i}) { __typename ... on Blob { oid byteSize isBinary isTruncated text } }`,
  ).join("\n    ");
  return `query ($owner: String!, $name: String!, ${variables}) {\n  repository(owner: $owner, name: $name) {\n    ${fields}\n  }\n}`;
}

/** A name Git could have written: no separator, not "." or "..". */
function safeName(name: string): boolean {
  return !name.includes("/") && !name.includes("\0") && name !== "." && name !== "..";
}

/**
 * The files under each of `paths` at `commit` (a directory recursively, or
 * a file), with blob ids and the sizes GitHub reported. Null when the
 * listing would take more than `MAX_ROUNDS` queries per chunk of paths or
 * hold more than `MAX_ENTRIES` entries: the caller reads the commit whole.
 */
export async function listFilesWithGraphql(params: {
  send: GraphqlQuery;
  owner: string;
  name: string;
  commit: string;
  paths: readonly string[];
  repository: string;
}): Promise<{ entries: TreeEntry[]; sizes: Map<string, number> } | null> {
  const files = new Map<string, string>();
  const sizes = new Map<string, number>();
  let count = 0;
  let pending: { prefix: string; key: string }[] = params.paths.map((path) => ({
    prefix: path,
    key: `${params.commit}:${path}`,
  }));
  let by: "expression" | "oid" = "expression";
  for (let round = 0; pending.length > 0; round++) {
    if (round >= MAX_ROUNDS) return null;
    const next: { prefix: string; key: string }[] = [];
    for (let start = 0; start < pending.length; start += TREES_PER_QUERY) {
      const chunk = pending.slice(start, start + TREES_PER_QUERY);
      const variables: Record<string, unknown> = { owner: params.owner, name: params.name };
      chunk.forEach((item, i) => {
        variables[`t${i}`] = item.key;
      });
      const what = `POST graphql repository.object (${chunk.length} tree(s))`;
      const data = validated(
        listingSchema,
        await params.send(listingQuery(chunk.length, by), variables),
        what,
      );
      if (data.repository === null) {
        throw githubError("not_found", `repository ${params.repository} does not exist`);
      }
      for (const [i, item] of chunk.entries()) {
        const object = data.repository[`t${i}`];
        if (!object) continue;
        if (object.__typename === "Blob" && object.oid) {
          files.set(item.prefix, object.oid);
          if (object.byteSize !== undefined) sizes.set(object.oid, object.byteSize);
          continue;
        }
        const walk = (prefix: string, entries: readonly GraphqlTreeEntry[]): boolean => {
          for (const entry of entries) {
            if (++count > MAX_ENTRIES || !safeName(entry.name)) return false;
            const path = `${prefix}/${entry.name}`;
            if (entry.type === "blob") {
              files.set(path, entry.oid);
              sizes.set(entry.oid, entry.size);
            } else if (entry.type === "tree") {
              const below = entry.object?.entries;
              if (below) {
                if (!walk(path, below)) return false;
              } else {
                next.push({ prefix: path, key: entry.oid });
              }
            }
            // "commit": a submodule, whose files are not in this repository.
          }
          return true;
        };
        if (object.__typename === "Tree" && object.entries && !walk(item.prefix, object.entries)) {
          return null;
        }
      }
    }
    pending = next;
    by = "oid";
  }
  const entries = [...files]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, sha]): TreeEntry => ({ path, type: "file", sha }));
  return { entries, sizes };
}

/**
 * Blobs by id: the texts that are exactly the blobs' bytes, and the ids
 * GitHub gave no such text for (binary, cut, or transcoded), with their
 * sizes. Ids that are not blobs are in neither.
 */
export async function readBlobsWithGraphql(params: {
  send: GraphqlQuery;
  owner: string;
  name: string;
  ids: readonly string[];
  /** Sizes known from a listing, to keep each answer small. */
  sizes: ReadonlyMap<string, number>;
  repository: string;
}): Promise<{ texts: Map<string, string>; whole: { id: string; size: number }[] }> {
  const texts = new Map<string, string>();
  const whole: { id: string; size: number }[] = [];
  const chunks: string[][] = [];
  let chunk: string[] = [];
  let bytes = 0;
  for (const id of params.ids) {
    const size = params.sizes.get(id) ?? UNKNOWN_BLOB_BYTES;
    if (
      chunk.length >= BLOBS_PER_QUERY ||
      (chunk.length > 0 && bytes + size > BLOB_BYTES_PER_QUERY)
    ) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(id);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  for (const ids of chunks) {
    const variables: Record<string, unknown> = { owner: params.owner, name: params.name };
    ids.forEach((id, i) => {
      variables[`b${i}`] = id;
    });
    const what = `POST graphql repository.object (${ids.length} blob(s))`;
    const data = validated(blobsSchema, await params.send(blobsQuery(ids.length), variables), what);
    if (data.repository === null) {
      throw githubError("not_found", `repository ${params.repository} does not exist`);
    }
    for (const [i, id] of ids.entries()) {
      const blob = data.repository[`b${i}`];
      if (blob?.__typename !== "Blob" || blob.oid !== id) continue;
      const text = blob.text;
      if (
        typeof text === "string" &&
        blob.isTruncated !== true &&
        blobId(text, id.length === 64) === id
      ) {
        texts.set(id, text);
      } else {
        whole.push({ id, size: blob.byteSize ?? 0 });
      }
    }
  }
  return { texts, whole };
}

/** Git's id of a blob holding `content` (SHA-1, or SHA-256 for a 64-digit id). */
export function blobId(content: string | Buffer, sha256 = false): string {
  const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  return createHash(sha256 ? "sha256" : "sha1")
    .update(`blob ${bytes.length}\0`)
    .update(bytes)
    .digest("hex");
}
