import { gzipSync } from "node:zlib";
import type { ObjectStore, TreeItem } from "./git-objects";

/**
 * A tarball as GitHub serves one (`git archive --format=tar.gz`): a pax
 * global header whose `comment` is the commit id, a top directory
 * `<owner>-<repo>-<short sha>/`, directories before their contents in tree
 * order, modes 0664/0775 as git writes them with its default umask, links
 * as symbolic-link entries, and pax headers for names over 100 bytes.
 * test/github/tarball.test.ts checks the reader on real `git archive`
 * output too, so this writer and the reader cannot agree on a mistake.
 */
export function gitArchive(params: {
  store: ObjectStore;
  tree: string;
  commit: string;
  prefix: string;
  mtime: number;
}): Buffer {
  const blocks: Buffer[] = [];
  blocks.push(
    ...entry(
      { name: "pax_global_header", type: "g", mode: 0o666, mtime: params.mtime },
      pax({ comment: params.commit }),
    ),
  );
  const walk = (sha: string, dir: string) => {
    for (const item of params.store.trees.get(sha) ?? []) {
      const path = `${dir}${item.name}`;
      if (item.type === "tree") {
        blocks.push(
          ...named(`${path}/`, { type: "5", mode: 0o775, mtime: params.mtime }, Buffer.alloc(0)),
        );
        walk(item.sha, `${path}/`);
      } else {
        blocks.push(...file(path, item, params));
      }
    }
  };
  blocks.push(
    ...named(params.prefix, { type: "5", mode: 0o775, mtime: params.mtime }, Buffer.alloc(0)),
  );
  walk(params.tree, params.prefix);
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

function file(
  path: string,
  item: TreeItem,
  params: { store: ObjectStore; mtime: number },
): Buffer[] {
  const content = params.store.blobs.get(item.sha) ?? Buffer.alloc(0);
  if (item.mode === "120000") {
    return named(
      path,
      { type: "2", mode: 0o777, mtime: params.mtime, linkname: content.toString("utf8") },
      Buffer.alloc(0),
    );
  }
  return named(
    path,
    { type: "0", mode: item.mode === "100755" ? 0o775 : 0o664, mtime: params.mtime },
    content,
  );
}

interface HeaderFields {
  name: string;
  type: string;
  mode: number;
  mtime: number;
  linkname?: string;
}

/** An entry, preceded by a pax header when its name or link target does not fit. */
function named(name: string, fields: Omit<HeaderFields, "name">, content: Buffer): Buffer[] {
  const records: Record<string, string> = {};
  let shortName = name;
  if (Buffer.byteLength(name) > 100) {
    records.path = name;
    shortName = name.slice(0, 99);
  }
  let linkname = fields.linkname;
  if (linkname !== undefined && Buffer.byteLength(linkname) > 100) {
    records.linkpath = linkname;
    linkname = linkname.slice(0, 99);
  }
  const out: Buffer[] = [];
  if (Object.keys(records).length > 0) {
    out.push(
      ...entry({ name: "pax_header", type: "x", mode: 0o666, mtime: fields.mtime }, pax(records)),
    );
  }
  out.push(...entry({ ...fields, name: shortName, linkname }, content));
  return out;
}

function pax(records: Record<string, string>): Buffer {
  return Buffer.concat(
    Object.entries(records).map(([key, value]) => {
      const body = ` ${key}=${value}\n`;
      let length = Buffer.byteLength(body) + 1;
      while (String(length).length + Buffer.byteLength(body) !== length) {
        length = String(length).length + Buffer.byteLength(body);
      }
      return Buffer.from(`${length}${body}`);
    }),
  );
}

function entry(fields: HeaderFields, content: Buffer): Buffer[] {
  const header = Buffer.alloc(512);
  header.write(fields.name, 0, 100, "utf8");
  header.write(`${fields.mode.toString(8).padStart(7, "0")}\0`, 100, "ascii");
  header.write("0000000\0", 108, "ascii");
  header.write("0000000\0", 116, "ascii");
  header.write(`${content.length.toString(8).padStart(11, "0")}\0`, 124, "ascii");
  header.write(`${Math.floor(fields.mtime).toString(8).padStart(11, "0")}\0`, 136, "ascii");
  header.write("        ", 148, "ascii");
  header.write(fields.type, 156, "ascii");
  if (fields.linkname) header.write(fields.linkname, 157, 100, "utf8");
  header.write("ustar\0", 257, "ascii");
  header.write("00", 263, "ascii");
  header.write("root", 265, "ascii");
  header.write("root", 297, "ascii");
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  const padding = (512 - (content.length % 512)) % 512;
  return [header, content, Buffer.alloc(padding)];
}
