import { type ChildProcessByStdio, spawn } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { gitError, sanitizeStderr } from "@/lib/git/errors";

/**
 * The one place that starts `git`. Everything in lib/git/local/ goes through
 * here so that every invocation gets the same hardening: no shell, an args
 * array, a timeout, a bounded output, a minimal environment, and failures
 * turned into GantryError("…", { system: "git" }) with git's stderr attached.
 */

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_OUTPUT_BYTES = 512 * 1024 * 1024;
const MAX_STDERR_BYTES = 64 * 1024;

export interface GitRunOptions {
  /** Written to stdin, which is then closed. */
  input?: string | Uint8Array;
  timeoutMs?: number;
  /** Exit codes that are answers rather than failures (e.g. 1 from `git diff --quiet`). */
  okExitCodes?: readonly number[];
  /** Extra variables (e.g. GIT_AUTHOR_NAME). Never included in error messages. */
  env?: Readonly<Record<string, string>>;
  /** Working directory; only matters for commands that are not run against a `--git-dir`. */
  cwd?: string;
  maxOutputBytes?: number;
}

export interface GitRunResult {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

type GitChild = ChildProcessByStdio<Writable, Readable, Readable>;

export interface GitProcess {
  child: GitChild;
  /**
   * Settles when the process exits: resolves with its stderr on exit 0 (or
   * an ok exit code), rejects with a git GantryError otherwise or on timeout.
   */
  done: Promise<{ exitCode: number; stderr: string }>;
}

/**
 * The environment git runs with. Deliberately not the server's environment:
 * that may hold secrets, and variables such as GIT_DIR or GIT_INDEX_FILE
 * (set when the server itself runs from a git hook) would silently redirect
 * every command. System and user config are ignored so that a developer's
 * ~/.gitconfig cannot change what the portal reads or writes.
 */
function gitEnvironment(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return {
    // Only here because Next.js's typings make it a required variable; git ignores it.
    NODE_ENV: process.env.NODE_ENV,
    // PATH is how the git binary and its helpers are found; it is not a Gantry setting.
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    LC_ALL: "C",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "/bin/false",
    ...extra,
  };
}

let processesStarted = 0;

/**
 * How many git processes this Node process has started. Each one costs a
 * fork and exec whatever it does, so tests and benchmarks count them.
 */
export function gitProcessesStarted(): number {
  return processesStarted;
}

/** Starts git for streaming use (cat-file --batch, fast-import, http-backend). */
export function spawnGit(
  args: readonly string[],
  options: Omit<GitRunOptions, "input" | "maxOutputBytes"> = {},
): GitProcess {
  const command = commandName(args);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  processesStarted++;
  const child = spawn("git", args, {
    cwd: options.cwd,
    env: gitEnvironment(options.env),
    stdio: ["pipe", "pipe", "pipe"],
    shell: false,
    windowsHide: true,
  });

  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    if (stderr.length < MAX_STDERR_BYTES) stderr += chunk;
  });
  // The caller may stop reading early or the process may exit before reading
  // all of stdin; EPIPE then surfaces through the exit code, not as a crash.
  child.stdin.on("error", () => undefined);

  const done = new Promise<{ exitCode: number; stderr: string }>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    timer.unref();

    child.once("error", (error) => {
      clearTimeout(timer);
      reject(
        gitError("unavailable", `could not start git ${command}: ${error.message}`, {
          cause: error,
        }),
      );
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      if (timedOut) {
        reject(
          gitError("unavailable", `git ${command} timed out after ${timeoutMs} ms`, {
            details: { command },
          }),
        );
        return;
      }
      const exitCode = code ?? -1;
      if (exitCode === 0 || options.okExitCodes?.includes(exitCode)) {
        resolve({ exitCode, stderr });
        return;
      }
      reject(failure(command, exitCode, signal, stderr));
    });
  });
  // Callers that only care about the data still get rejections through `done`;
  // this keeps an unobserved early failure from becoming an unhandled rejection.
  done.catch(() => undefined);

  return { child, done };
}

/** Runs git to completion and returns its output. */
export async function runGit(
  args: readonly string[],
  options: GitRunOptions = {},
): Promise<GitRunResult> {
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const { child, done } = spawnGit(args, options);
  const chunks: Buffer[] = [];
  let size = 0;
  let overflow = false;
  child.stdout.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxOutputBytes) {
      overflow = true;
      child.kill("SIGKILL");
      return;
    }
    chunks.push(chunk);
  });
  if (options.input !== undefined) child.stdin.end(options.input);
  else child.stdin.end();

  try {
    const { exitCode, stderr } = await done;
    return { stdout: Buffer.concat(chunks), stderr, exitCode };
  } catch (error) {
    if (overflow) {
      throw gitError(
        "unavailable",
        `git ${commandName(args)} produced more than ${maxOutputBytes} bytes of output`,
        { details: { command: commandName(args) } },
      );
    }
    throw error;
  }
}

/**
 * git bound to one bare repository. Later features (branches, commits, merges
 * for pull requests) add their commands on top of `run`/`text`/`spawn`.
 */
export class GitCli {
  readonly gitDir: string;
  private readonly defaultTimeoutMs: number;

  constructor(options: { gitDir: string; timeoutMs?: number }) {
    this.gitDir = options.gitDir;
    this.defaultTimeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  run(args: readonly string[], options: GitRunOptions = {}): Promise<GitRunResult> {
    return runGit(this.withGitDir(args), {
      timeoutMs: this.defaultTimeoutMs,
      ...options,
    });
  }

  /** stdout as UTF-8 with the trailing newline removed. */
  async text(args: readonly string[], options: GitRunOptions = {}): Promise<string> {
    const { stdout } = await this.run(args, options);
    return stdout.toString("utf8").replace(/\n$/, "");
  }

  spawn(
    args: readonly string[],
    options: Omit<GitRunOptions, "input" | "maxOutputBytes"> = {},
  ): GitProcess {
    return spawnGit(this.withGitDir(args), { timeoutMs: this.defaultTimeoutMs, ...options });
  }

  private withGitDir(args: readonly string[]): string[] {
    return [`--git-dir=${this.gitDir}`, ...args];
  }
}

/** The subcommand, for messages: `git --git-dir=… -c k=v cat-file …` → "cat-file". */
function commandName(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? "";
    if (arg === "-c" || arg === "-C") i++;
    else if (!arg.startsWith("-")) return arg;
  }
  return "";
}

function failure(
  command: string,
  exitCode: number,
  signal: NodeJS.Signals | null,
  stderr: string,
): Error {
  const how = signal ? `was killed by ${signal}` : `failed (exit ${exitCode})`;
  const said = sanitizeStderr(stderr);
  return gitError("unavailable", `git ${command} ${how}${said ? `: ${said}` : ""}`, {
    details: { command, exitCode, stderr: said },
  });
}
