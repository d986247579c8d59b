/**
 * `tsx scripts/build.ts`: the production build, made only when there is none
 * or its inputs changed since the last one. `npm start` calls the same
 * function; `npm test` builds through this script so the e2e suite's
 * `npm start` finds the build current instead of making it a second time.
 *
 * The build neither type-checks nor lints (next.config.js): `npm test` does
 * both, and inside `next build` they cost a first start about a minute.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

/** Everything the production bundle is made from; a change in any of it means a new build. */
const INPUT_DIRS = ["app", "components", "lib", "public"];
const INPUT_FILES = [
  "next.config.js",
  "proxy.ts",
  "instrumentation.ts",
  "package-lock.json",
  "postcss.config.mjs",
  "tsconfig.json",
  "prisma/schema.prisma",
];

function distDir(): string {
  return path.join(root, process.env.GANTRY_NEXT_DIST_DIR || ".next");
}

export type BuildOutcome = "reused" | "built";

/**
 * Builds the production bundle when there is none or its inputs changed
 * (a hash of their contents, so a fresh clone or a `touch` does not count
 * as a change, and an edit always does). `log`: a file that takes Next's
 * output (its tail is in the error when the build fails); unset, the output
 * goes to this process's.
 */
export async function buildWhenSourcesChanged(
  options: { log?: string; onBuild?: (first: boolean) => void; signal?: AbortSignal } = {},
): Promise<BuildOutcome> {
  const fingerprint = sourcesFingerprint();
  if (isBuildCurrent(fingerprint)) return "reused";
  options.onBuild?.(!fs.existsSync(path.join(distDir(), "BUILD_ID")));
  const output = options.log ? fs.openSync(options.log, "w", 0o600) : "inherit";
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(path.join(root, "node_modules", ".bin", "next"), ["build"], {
        cwd: root,
        stdio: ["ignore", output, output],
        env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
        // A start that is stopped (or fails) while building leaves no `next build` behind.
        signal: options.signal,
      });
      child.on("error", reject);
      child.on("exit", (code) =>
        code === 0 ? resolve() : reject(new Error(buildFailure(code, options.log))),
      );
    });
  } finally {
    if (typeof output === "number") fs.closeSync(output);
  }
  fs.writeFileSync(path.join(distDir(), "gantry-sources"), fingerprint);
  return "built";
}

function buildFailure(code: number | null, log: string | undefined): string {
  if (!log) return `next build exited with ${code}`;
  const tail = fs.readFileSync(log, "utf8").trimEnd().split("\n").slice(-30).join("\n");
  return `next build exited with ${code} (whole output in ${log}):\n${tail}`;
}

/** True when the production build exists and was made from the inputs as they are now. */
export function isBuildCurrent(fingerprint = sourcesFingerprint()): boolean {
  const stamp = path.join(distDir(), "gantry-sources");
  return (
    fs.existsSync(path.join(distDir(), "BUILD_ID")) &&
    fs.existsSync(stamp) &&
    fs.readFileSync(stamp, "utf8") === fingerprint
  );
}

/** SHA-256 over the build's inputs: each file's path and contents, in a fixed order. */
export function sourcesFingerprint(base = root): string {
  const hash = createHash("sha256");
  const add = (full: string) => {
    hash.update(`${path.relative(base, full)}\0`);
    hash.update(fs.readFileSync(full));
    hash.update("\0");
  };
  const visit = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const full = path.join(dir, entry.name);
      // lib/generated is made from prisma/schema.prisma, which is hashed instead; tests are not bundled.
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && full !== path.join(base, "lib", "generated")) {
          visit(full);
        }
      } else if (entry.isFile() && !entry.name.includes(".test.")) add(full);
    }
  };
  for (const dir of INPUT_DIRS) visit(path.join(base, dir));
  for (const file of INPUT_FILES) {
    const full = path.join(base, file);
    if (fs.existsSync(full)) add(full);
  }
  return hash.digest("hex");
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const started = Date.now();
  const outcome = await buildWhenSourcesChanged();
  process.stdout.write(
    outcome === "reused"
      ? "[build] the production build is current\n"
      : `[build] built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}
