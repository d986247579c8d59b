import type { ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** What every benchmark shares: progress on stderr, percentiles, and a data directory of its own. */

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** The p-th percentile (nearest rank) of already sorted values; NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

/** p50, p95 and max of unsorted values. */
export function stats(values: readonly number[]): { p50: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

/**
 * A throwaway data directory. mkdtemp makes it private; as root, the embedded
 * Postgres runs as its own user and must reach it.
 */
export function makeDataDir(prefix: string): string {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dataDir, 0o755);
  return dataDir;
}

/**
 * Writes a benchmark's figures to `<results>/<name>.json`: bench/results
 * (the committed baseline of record) unless BENCH_RESULTS_DIR says
 * elsewhere, as `npm run bench:smoke` does so small runs never overwrite it.
 */
export function writeResults(name: string, report: unknown): string {
  const dir = process.env.BENCH_RESULTS_DIR
    ? path.resolve(process.env.BENCH_RESULTS_DIR)
    : path.resolve(import.meta.dirname, "results");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return file;
}

/**
 * Call just before stopping the benchmark's Postgres: a connection pool
 * that still holds idle connections (Prisma's adapter keeps its own) hears
 * "terminating connection due to administrator command" (57P01), which Node
 * would raise as an unhandled 'error' event and end the run with a failure
 * after it succeeded. Only that error is let pass.
 */
export function expectPostgresShutdown(): void {
  process.on("uncaughtException", (error) => {
    if ((error as { code?: unknown }).code === "57P01") return;
    throw error;
  });
}

/** package.json's start script, split in words ("NAME=value … exec node <args>"). */
function startWords(): string[] {
  const pkg = JSON.parse(
    fs.readFileSync(path.join(import.meta.dirname, "..", "package.json"), "utf8"),
  ) as {
    scripts: Record<string, string>;
  };
  const words = (pkg.scripts.start ?? "").split(/\s+/).filter(Boolean);
  if (!words.includes("node"))
    throw new Error(`package.json's start script does not run node: ${pkg.scripts.start}`);
  return words;
}

/** `npm start`'s node arguments, so the bench runs what people run. */
export function startArguments(): string[] {
  const words = startWords();
  return words.slice(words.indexOf("node") + 1);
}

/** The variables `npm start` sets before node (MALLOC_ARENA_MAX=2): glibc reads them at launch. */
export function startEnvironment(): Record<string, string> {
  const words = startWords();
  const environment: Record<string, string> = {};
  for (const word of words.slice(0, words.indexOf("node"))) {
    const match = /^([A-Z_][A-Z0-9_]*)=(\S*)$/.exec(word);
    if (match?.[1] !== undefined) environment[match[1]] = match[2] ?? "";
  }
  return environment;
}

/**
 * Waits for a child process to exit, at most `ms`; true when it did. The timer is cleared
 * once it exits: a pending one would hold the benchmark's own exit back by the rest of `ms`.
 */
export function exitedWithin(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off("exit", onExit);
      resolve(false);
    }, ms);
    const onExit = () => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once("exit", onExit);
  });
}
