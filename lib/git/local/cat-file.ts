import { gitError } from "@/lib/git/errors";
import type { GitCli } from "@/lib/git/local/git-cli";

export interface GitObject {
  oid: string;
  type: "blob" | "tree" | "commit" | "tag";
  content: Buffer;
}

const HEADER = /^([0-9a-f]{40}|[0-9a-f]{64}) (blob|tree|commit|tag) (\d+)$/;

function isObjectType(type: string): type is GitObject["type"] {
  return type === "blob" || type === "tree" || type === "commit" || type === "tag";
}

/**
 * Reads many objects with one `git cat-file --batch` process: one request
 * line per object name (`<sha>:<path>`, an object id, …) and answers in the
 * same order. Starting one process per file would cost ~2 ms each, which is
 * a minute and a half for the 40,000 files of a large catalogue.
 *
 * Returns one entry per name, in order; null where git has no such object.
 */
export async function readObjects(
  git: GitCli,
  names: readonly string[],
  options: { timeoutMs?: number } = {},
): Promise<Array<GitObject | null>> {
  if (names.length === 0) return [];
  for (const name of names) {
    // The batch protocol is line based: a newline would split one request into two.
    if (/[\n\r\0]/.test(name)) {
      throw gitError("bad_request", "object names must not contain line breaks or NUL bytes");
    }
  }

  const { child, done } = git.spawn(["cat-file", "--batch", "--buffer"], {
    timeoutMs: options.timeoutMs ?? 120_000,
  });
  const results: Array<GitObject | null> = [];
  const parser = new BatchParser((object) => results.push(object));

  let readError: unknown = null;
  const reading = (async () => {
    for await (const chunk of child.stdout) parser.push(chunk);
  })().catch((error: unknown) => {
    readError = error;
    // A parse failure leaves git blocked on a full pipe; do not leave it behind.
    child.kill("SIGKILL");
  });

  // Requests are written in slices so that a huge list never sits in memory
  // twice, and honour backpressure from git's stdin.
  const SLICE = 2_000;
  for (let start = 0; start < names.length; start += SLICE) {
    const text = `${names.slice(start, start + SLICE).join("\n")}\n`;
    if (!child.stdin.write(text)) {
      await new Promise<void>((resolve) => {
        const settle = () => {
          child.stdin.off("drain", settle);
          child.stdin.off("close", settle);
          resolve();
        };
        child.stdin.once("drain", settle);
        child.stdin.once("close", settle);
      });
    }
  }
  child.stdin.end();

  await reading;
  try {
    await done;
  } catch (error) {
    throw readError ?? error;
  }
  if (readError) throw readError;
  if (!parser.idle() || results.length !== names.length) {
    throw gitError(
      "unavailable",
      `git cat-file answered ${results.length} of ${names.length} requests`,
    );
  }
  return results;
}

/**
 * Incremental parser for `cat-file --batch` output: a header line, then
 * exactly `size` bytes and a newline. Each answer, in request order, goes to
 * `answer` (null for a missing or ambiguous name).
 */
export class BatchParser {
  private state: "header" | "body" | "newline" = "header";
  private headerParts: Buffer[] = [];
  private body: { oid: string; type: GitObject["type"]; data: Buffer; filled: number } | null =
    null;

  constructor(private readonly answer: (object: GitObject | null) => void) {}

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.state === "header") {
        const end = chunk.indexOf(0x0a, offset);
        if (end < 0) {
          this.headerParts.push(chunk.subarray(offset));
          return;
        }
        this.headerParts.push(chunk.subarray(offset, end));
        const line = Buffer.concat(this.headerParts).toString("utf8");
        this.headerParts = [];
        offset = end + 1;
        this.header(line);
      } else if (this.state === "body" && this.body) {
        // Copied straight into a buffer of the announced size, so a large
        // object arriving in many chunks is never re-concatenated.
        const body = this.body;
        const take = Math.min(body.data.length - body.filled, chunk.length - offset);
        chunk.copy(body.data, body.filled, offset, offset + take);
        body.filled += take;
        offset += take;
        if (body.filled === body.data.length) this.state = "newline";
      } else {
        // The newline git writes after each object's content.
        offset += 1;
        if (this.body)
          this.answer({ oid: this.body.oid, type: this.body.type, content: this.body.data });
        this.body = null;
        this.state = "header";
      }
    }
    if (this.state === "body" && this.body && this.body.filled === this.body.data.length) {
      this.state = "newline";
    }
  }

  /** True between answers: nothing half-read. */
  idle(): boolean {
    return this.state === "header" && this.headerParts.length === 0;
  }

  private header(line: string): void {
    const match = HEADER.exec(line);
    if (match) {
      const [, oid = "", type = "", size = "0"] = match;
      if (!isObjectType(type)) throw gitError("unavailable", `unexpected object type ${type}`);
      this.body = {
        oid,
        type,
        data: Buffer.allocUnsafe(Number(size)),
        filled: 0,
      };
      this.state = this.body.data.length === 0 ? "newline" : "body";
      return;
    }
    if (/ (missing|ambiguous)$/.test(line)) {
      this.answer(null);
      return;
    }
    throw gitError("unavailable", `unexpected answer from git cat-file: ${line.slice(0, 120)}`);
  }
}
