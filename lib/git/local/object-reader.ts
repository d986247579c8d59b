import { statSync } from "node:fs";
import type { Socket } from "node:net";
import { gitError } from "@/lib/git/errors";
import { BatchParser, type GitObject } from "@/lib/git/local/cat-file";
import type { GitCli, GitProcess } from "@/lib/git/local/git-cli";

/**
 * One long-lived `git cat-file --batch` per repository for the small reads
 * every request and promotion makes (a branch's head, a values file, the
 * trees along a path): starting git costs a fork and an exec each time,
 * which is most of the cost of reading one small object.
 *
 * It sees what others write meanwhile: git looks a name up again on every
 * request (loose refs are read each time, packed refs and packs re-checked
 * on a miss). It stops after a while idle, is started again by the next
 * read, and never keeps Node running. A repository deleted and made again
 * at the same path gets a new reader (the directory's inode is compared).
 */

const IDLE_MS = 30_000;
const REQUEST_TIMEOUT_MS = 30_000;

interface Pending {
  count: number;
  answers: Array<GitObject | null>;
  resolve: (objects: Array<GitObject | null>) => void;
  reject: (error: Error) => void;
}

class ObjectReader {
  private process: GitProcess | null = null;
  private readonly pending: Pending[] = [];
  private idleTimer: NodeJS.Timeout | undefined;
  private requestTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly git: GitCli,
    readonly inode: string,
  ) {}

  read(names: readonly string[]): Promise<Array<GitObject | null>> {
    if (names.length === 0) return Promise.resolve([]);
    for (const name of names) {
      // The protocol is line based: a line break would split one request into two.
      if (/[\n\r\0]/.test(name) || name === "") {
        throw gitError("bad_request", "object names must not be empty or contain line breaks");
      }
    }
    const child = this.running();
    return new Promise((resolve, reject) => {
      this.pending.push({ count: names.length, answers: [], resolve, reject });
      clearTimeout(this.idleTimer);
      this.armRequestTimer();
      child.stdin.write(`${names.join("\n")}\n`);
    });
  }

  stop(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.requestTimer);
    this.process?.child.kill("SIGKILL");
    this.process = null;
  }

  private running(): GitProcess["child"] {
    if (this.process) return this.process.child;
    const started = this.git.spawn(["cat-file", "--batch"], { timeoutMs: 2 ** 31 - 1 });
    const parser = new BatchParser((object) => this.answer(object));
    this.process = started;
    const { child } = started;
    // A reader waiting for work must not keep the server (or a test, or the CLI) alive.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as Socket).unref?.();
    child.stdout.on("data", (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (error) {
        this.fail(error instanceof Error ? error : new Error(String(error)));
      }
    });
    started.done.then(
      () => this.ended(started, gitError("unavailable", "git cat-file stopped")),
      (error: unknown) =>
        this.ended(started, error instanceof Error ? error : new Error(String(error))),
    );
    return child;
  }

  private answer(object: GitObject | null): void {
    const head = this.pending[0];
    if (!head) {
      this.fail(gitError("unavailable", "git cat-file answered a question nobody asked"));
      return;
    }
    head.answers.push(object);
    if (head.answers.length < head.count) return;
    this.pending.shift();
    head.resolve(head.answers);
    if (this.pending.length > 0) {
      this.armRequestTimer();
      return;
    }
    clearTimeout(this.requestTimer);
    this.idleTimer = setTimeout(() => this.stop(), IDLE_MS);
    this.idleTimer.unref();
  }

  private armRequestTimer(): void {
    clearTimeout(this.requestTimer);
    this.requestTimer = setTimeout(
      () =>
        this.fail(
          gitError("unavailable", `git cat-file did not answer in ${REQUEST_TIMEOUT_MS} ms`),
        ),
      REQUEST_TIMEOUT_MS,
    );
    this.requestTimer.unref();
  }

  private ended(which: GitProcess, error: Error): void {
    if (this.process !== which) return;
    this.fail(error);
  }

  /** Every waiting read fails; the next read starts a new process. */
  private fail(error: Error): void {
    this.stop();
    for (const waiting of this.pending.splice(0)) waiting.reject(error);
  }
}

const readers = new Map<string, ObjectReader>();

function inodeOf(gitDir: string): string {
  try {
    const stat = statSync(gitDir);
    return `${stat.dev}:${stat.ino}`;
  } catch {
    // No repository (yet): git answers with its own error, as a one-off process would.
    return "none";
  }
}

/**
 * Reads objects by name (`<oid>`, `<commit>:<path>`, `refs/heads/x^{commit}`)
 * through the repository's long-lived reader: one entry per name, in order,
 * null where there is no such object.
 */
export function readObjectsQuickly(
  git: GitCli,
  names: readonly string[],
): Promise<Array<GitObject | null>> {
  const inode = inodeOf(git.gitDir);
  let reader = readers.get(git.gitDir);
  if (!reader || reader.inode !== inode) {
    reader?.stop();
    reader = new ObjectReader(git, inode);
    readers.set(git.gitDir, reader);
  }
  return reader.read(names);
}
