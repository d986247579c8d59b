import { githubError } from "@/lib/git/github/client";

/**
 * Reads the tarball GitHub serves for a commit (`git archive` output, gzip
 * taken off by the caller): ustar headers, pax extended headers for long
 * names and link targets, a pax global header whose `comment` is the commit
 * id, and every path under one top directory (`<owner>-<repo>-<short sha>/`),
 * which is taken off here.
 *
 * Only what `git archive` writes is understood: regular files (the owner's
 * execute bit is Git's 100755), symbolic links and directories. Anything
 * else is refused, and every size is bounded, so a hostile or broken answer
 * is a clear error rather than a full disk.
 */

type TarEntryKind = "file" | "executable" | "symlink";

export interface TarEntry {
  /** Repository path, without the archive's top directory. */
  path: string;
  kind: TarEntryKind;
  /** The file's bytes, or a symbolic link's target. */
  content: Buffer;
}

export interface TarLimits {
  /** Largest single file kept; default 64 MiB. */
  maxFileBytes: number;
  /** All files together; default 1 GiB. */
  maxTotalBytes: number;
  /** Files, links and directories; default 500,000. */
  maxEntries: number;
}

export const DEFAULT_TAR_LIMITS: TarLimits = {
  maxFileBytes: 64 * 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
  maxEntries: 500_000,
};

const BLOCK = 512;
/** pax header records are small; a larger one is not from `git archive`. */
const MAX_PAX_BYTES = 1024 * 1024;

interface Header {
  name: string;
  mode: number;
  size: number;
  type: string;
  linkname: string;
}

/** Buffers chunks and hands out exact byte counts. */
class ByteQueue {
  private chunks: Buffer[] = [];
  private length = 0;
  private readonly source: AsyncIterator<Uint8Array>;
  private ended = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.source = source[Symbol.asyncIterator]();
  }

  /** Exactly `n` bytes, or null when the stream ended before them. */
  async take(n: number): Promise<Buffer | null> {
    while (this.length < n && !this.ended) {
      const next = await this.source.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
      this.chunks.push(chunk);
      this.length += chunk.length;
    }
    if (this.length < n) return null;
    this.length -= n;
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const parts: Buffer[] = [];
    let need = n;
    while (need > 0) {
      const chunk = this.chunks[0];
      if (chunk === undefined) break;
      if (chunk.length <= need) {
        parts.push(chunk);
        this.chunks.shift();
        need -= chunk.length;
      } else {
        parts.push(chunk.subarray(0, need));
        this.chunks[0] = chunk.subarray(need);
        need = 0;
      }
    }
    return Buffer.concat(parts, n);
  }

  /** Stops reading: the source (a download) is closed. */
  async close(): Promise<void> {
    await this.source.return?.();
  }
}

function truncated() {
  return githubError("unavailable", "GitHub's tarball ended in the middle of a file");
}

function malformed(reason: string) {
  return githubError("unavailable", `GitHub's tarball is not a git archive: ${reason}`);
}

function text(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString("utf8");
}

function octal(block: Buffer, start: number, length: number): number {
  const field = block.subarray(start, start + length);
  // GNU base-256 for sizes over 8 GiB: far beyond any limit here.
  if (((field[0] ?? 0) & 0x80) !== 0) return Number.POSITIVE_INFINITY;
  const digits = text(block, start, length).trim();
  if (digits === "") return 0;
  if (!/^[0-7]+$/.test(digits)) throw malformed("a header field is not an octal number");
  return Number.parseInt(digits, 8);
}

function parseHeader(block: Buffer): Header {
  const stored = octal(block, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (block[i] ?? 0);
  if (sum !== stored) throw malformed("a header's checksum does not match");
  const magic = text(block, 257, 6);
  const prefix = magic.startsWith("ustar") ? text(block, 345, 155) : "";
  const name = text(block, 0, 100);
  return {
    name: prefix === "" ? name : `${prefix}/${name}`,
    mode: octal(block, 100, 8),
    size: octal(block, 124, 12),
    type: String.fromCharCode(block[156] ?? 0),
    linkname: text(block, 157, 100),
  };
}

/** `<length> <key>=<value>\n` records. */
function parsePax(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space < 0) break;
    const length = Number.parseInt(data.subarray(offset, space).toString("ascii"), 10);
    if (!Number.isInteger(length) || length <= 0 || offset + length > data.length) {
      throw malformed("a pax record has a bad length");
    }
    const record = data.subarray(space + 1, offset + length - 1).toString("utf8");
    const equals = record.indexOf("=");
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1));
    offset += length;
  }
  return records;
}

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

/**
 * The entries of a tarball in archive order, each file whole (one at a
 * time in memory). `onCommit` receives the commit id from the pax global
 * header when there is one.
 */
export async function* readTarball(
  source: AsyncIterable<Uint8Array>,
  options: { limits?: Partial<TarLimits>; onCommit?: (sha: string) => void } = {},
): AsyncGenerator<TarEntry> {
  const limits = { ...DEFAULT_TAR_LIMITS, ...options.limits };
  const queue = new ByteQueue(source);
  let pax = new Map<string, string>();
  let longName: string | null = null;
  let longLink: string | null = null;
  let top: string | null = null;
  let entries = 0;
  let total = 0;

  try {
    for (;;) {
      const block = await queue.take(BLOCK);
      if (block === null) throw truncated();
      if (block.every((byte) => byte === 0)) return; // end of archive
      const header = parseHeader(block);

      if (
        header.type === "g" ||
        header.type === "x" ||
        header.type === "L" ||
        header.type === "K"
      ) {
        if (header.size > MAX_PAX_BYTES) throw malformed("an extended header is too large");
        const data = await queue.take(padded(header.size));
        if (data === null) throw truncated();
        const body = data.subarray(0, header.size);
        if (header.type === "g") {
          const comment = parsePax(body).get("comment");
          if (comment && /^[0-9a-f]{40}$/.test(comment)) options.onCommit?.(comment);
        } else if (header.type === "x") {
          pax = parsePax(body);
        } else {
          const value = body.toString("utf8").replace(/\0+$/, "");
          if (header.type === "L") longName = value;
          else longLink = value;
        }
        continue;
      }

      const fullName = pax.get("path") ?? longName ?? header.name;
      const linkTarget = pax.get("linkpath") ?? longLink ?? header.linkname;
      pax = new Map();
      longName = null;
      longLink = null;

      entries += 1;
      if (entries > limits.maxEntries) {
        throw githubError(
          "unprocessable",
          `the repository has more than ${limits.maxEntries} files and directories, more than Gantry reads`,
        );
      }
      const slash = fullName.indexOf("/");
      const first = slash < 0 ? fullName : fullName.slice(0, slash);
      top ??= first;
      if (first !== top) throw malformed("entries are not under one top directory");
      const path = (slash < 0 ? "" : fullName.slice(slash + 1)).replace(/\/+$/, "");
      if (path !== "" && path.split("/").some((s) => s === "" || s === "." || s === "..")) {
        throw malformed(`an entry has an unsafe path "${path.slice(0, 200)}"`);
      }

      if (header.type === "5") {
        if (header.size > 0) throw malformed("a directory with content");
        continue;
      }
      if (header.type === "2") {
        if (path === "") throw malformed("a link without a name");
        yield { path, kind: "symlink", content: Buffer.from(linkTarget, "utf8") };
        continue;
      }
      if (header.type !== "0" && header.type !== "\0" && header.type !== "7") {
        throw malformed(`an entry of type "${header.type}" is not a file, link or directory`);
      }
      if (path === "") throw malformed("a file without a name");
      if (header.size > limits.maxFileBytes) {
        throw githubError(
          "unprocessable",
          `${path} is ${header.size} bytes, more than the ${limits.maxFileBytes} bytes Gantry reads from one file`,
          { details: { path, size: header.size } },
        );
      }
      total += header.size;
      if (total > limits.maxTotalBytes) {
        throw githubError(
          "unprocessable",
          `the repository's files add up to more than the ${limits.maxTotalBytes} bytes Gantry reads`,
        );
      }
      const data = await queue.take(padded(header.size));
      if (data === null) throw truncated();
      yield {
        path,
        // Git keeps one bit of the mode: whether the owner may execute it.
        kind: (header.mode & 0o100) !== 0 ? "executable" : "file",
        content: Buffer.from(data.subarray(0, header.size)),
      };
    }
  } finally {
    await queue.close();
  }
}
