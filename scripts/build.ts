/**
 * `tsx scripts/build.ts`: the production build, made only when there is none
 * or the sources changed since the last one. `npm start` calls the same
 * function; `npm test` builds through this script so the e2e suite's
 * `npm start` finds the build current instead of making it a second time.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");

/**
 * Builds the production bundle when there is none or the sources changed
 * since the last build (a fingerprint of file sizes and times), so
 * `npm start` on a fresh clone or after a pull serves current code.
 */
export async function buildWhenSourcesChanged(progress: (message: string) => void): Promise<void> {
  const distDir = path.join(root, process.env.GANTRY_NEXT_DIST_DIR || ".next");
  const stamp = path.join(distDir, "gantry-sources");
  const fingerprint = sourcesFingerprint();
  const built = fs.existsSync(path.join(distDir, "BUILD_ID"));
  if (isBuildCurrent()) return;
  progress(
    built
      ? "sources changed: rebuilding (about a minute)"
      : "first start: building the portal (about a minute)",
  );
  await new Promise<void>((resolve, reject) => {
    const child = spawn(path.join(root, "node_modules", ".bin", "next"), ["build"], {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, NODE_ENV: "production" },
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`next build exited with ${code}`)),
    );
  });
  fs.writeFileSync(stamp, fingerprint);
}

/** True when the production build exists and was made from the sources as they are now. */
export function isBuildCurrent(): boolean {
  const distDir = path.join(root, process.env.GANTRY_NEXT_DIST_DIR || ".next");
  const stamp = path.join(distDir, "gantry-sources");
  return (
    fs.existsSync(path.join(distDir, "BUILD_ID")) &&
    fs.existsSync(stamp) &&
    fs.readFileSync(stamp, "utf8") === sourcesFingerprint()
  );
}

function sourcesFingerprint(): string {
  const hash = createHash("sha256");
  const visit = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "node_modules" && entry.name !== "generated") visit(full);
      } else {
        const stat = fs.statSync(full);
        hash.update(`${path.relative(root, full)}:${stat.size}:${stat.mtimeMs}\n`);
      }
    }
  };
  for (const dir of ["app", "components", "lib"]) visit(path.join(root, dir));
  for (const file of [
    "next.config.js",
    "proxy.ts",
    "package-lock.json",
    "postcss.config.mjs",
    "tsconfig.json",
  ]) {
    const full = path.join(root, file);
    if (fs.existsSync(full)) hash.update(`${file}:${fs.statSync(full).mtimeMs}\n`);
  }
  return hash.digest("hex");
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  await buildWhenSourcesChanged((message) => process.stdout.write(`[build] ${message}\n`));
}
