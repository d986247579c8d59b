import { gitError } from "@/lib/git/errors";
import type { GitCli } from "@/lib/git/local/git-cli";

export interface CommitToWrite {
  /** Full message: subject, blank line, body. */
  message: string;
  author: { name: string; email: string };
  date: Date;
  /** Files written (content) or removed (null), paths from the repository root; read once, in order. */
  changes: Iterable<{ path: string; content: string | null }>;
}

const FLUSH_BYTES = 1 << 20;

/**
 * Appends commits to a branch with one `git fast-import` process. Writing
 * 50,000 files through `git add`/`commit` would start a process per step;
 * fast-import streams blobs, trees and commits into a single pack, which
 * seeds a 10,000-app repository in seconds. Author and committer are the
 * same person at the same time, so the SHAs depend only on the input.
 *
 * Returns the branch's new head.
 */
export async function writeCommits(
  git: GitCli,
  params: { branch: string; commits: Iterable<CommitToWrite>; timeoutMs?: number },
): Promise<string> {
  const ref = `refs/heads/${params.branch}`;
  const parent = await currentHead(git, ref);
  const { child, done } = git.spawn(["fast-import", "--quiet", "--done", "--date-format=raw"], {
    timeoutMs: params.timeoutMs ?? 300_000,
  });
  child.stdout.resume();

  let buffered: string[] = [];
  let bufferedBytes = 0;
  const flush = async () => {
    if (buffered.length === 0) return;
    const chunk = buffered.join("");
    buffered = [];
    bufferedBytes = 0;
    if (!child.stdin.write(chunk)) {
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
  };
  const emit = async (text: string) => {
    buffered.push(text);
    bufferedBytes += text.length;
    if (bufferedBytes >= FLUSH_BYTES) await flush();
  };
  const data = (text: string) => `data ${Buffer.byteLength(text, "utf8")}\n${text}\n`;

  try {
    let first = true;
    for (const commit of params.commits) {
      const who = `${identity(commit.author.name)} <${identity(commit.author.email)}> ${Math.floor(commit.date.getTime() / 1000)} +0000`;
      let header = `commit ${ref}\nauthor ${who}\ncommitter ${who}\n${data(commit.message.endsWith("\n") ? commit.message : `${commit.message}\n`)}`;
      // fast-import remembers the branch it is building; only the first commit
      // needs to say where an existing branch starts.
      if (first && parent) header += `from ${parent}\n`;
      first = false;
      await emit(header);
      for (const change of commit.changes) {
        const path = quotePath(change.path);
        if (change.content === null) await emit(`D ${path}\n`);
        else await emit(`M 100644 inline ${path}\n${data(change.content)}`);
      }
      await emit("\n");
    }
    await emit("done\n");
    await flush();
    child.stdin.end();
    await done;
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  const head = await currentHead(git, ref);
  if (!head) throw gitError("unavailable", `fast-import finished but ${ref} does not exist`);
  return head;
}

async function currentHead(git: GitCli, ref: string): Promise<string | null> {
  const { stdout, exitCode } = await git.run(["rev-parse", "--verify", "--quiet", ref], {
    okExitCodes: [1],
  });
  return exitCode === 0 ? stdout.toString("utf8").trim() : null;
}

/** Names and emails go between fixed delimiters in the stream; `<`, `>` and newlines would break out. */
function identity(value: string): string {
  return value.replace(/[<>\n\r]/g, "").trim();
}

/** fast-import reads a path to the end of the line unless it is C-quoted. */
function quotePath(path: string): string {
  if (
    path === "" ||
    path.startsWith("/") ||
    path.split("/").some((s) => s === "" || s === "." || s === "..")
  ) {
    throw gitError("bad_request", `"${path.slice(0, 200)}" is not a valid repository path`);
  }
  if (!/["\\\n\r\0]/.test(path) && !path.startsWith('"')) return path;
  if (path.includes("\0")) throw gitError("bad_request", "paths must not contain NUL bytes");
  return `"${path.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
}
