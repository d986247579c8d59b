import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "..", "..");

/** The project files a module imports (static and dynamic; `import type` is erased, so not counted). */
function importsOf(file: string): string[] {
  const source = fs.readFileSync(file, "utf8");
  const specifiers = [
    ...source.matchAll(/^import (?!type )[^;]*?from "([^"]+)"/gms),
    ...source.matchAll(/^export [^;]*? from "([^"]+)"/gms),
    ...source.matchAll(/\bimport\("([^"]+)"\)/g),
  ].map((match) => match[1] ?? "");
  return specifiers.flatMap((specifier) => {
    const base = specifier.startsWith("@/")
      ? path.join(root, specifier.slice(2))
      : specifier.startsWith(".")
        ? path.resolve(path.dirname(file), specifier)
        : null;
    if (!base) return [];
    const found = [base, `${base}.ts`, `${base}.tsx`, path.join(base, "index.ts")].find(
      (candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile(),
    );
    return found ? [found] : [];
  });
}

/** Every project file reachable from `entry` through imports, as paths from the root. */
function reachable(entry: string, skip: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [path.join(root, entry)];
  while (queue.length > 0) {
    const file = queue.pop() ?? "";
    const relative = path.relative(root, file);
    if (seen.has(relative) || skip.includes(relative)) continue;
    seen.add(relative);
    queue.push(...importsOf(file));
  }
  return seen;
}

describe("the server process", () => {
  it("loads the application's domain code only from the Next.js bundle, never through scripts/start.ts", () => {
    // The development server's fallback (no bundle yet to take the job runner from) is
    // the one way in it may have; production never loads it.
    const loaded = [...reachable("scripts/start.ts", ["scripts/development-runtime.ts"])];
    const domain = loaded.filter(
      (file) =>
        /^lib\/(catalogue|promotion|releases|demo|git|gitops-repo|people|sync|insights|audit)\//.test(
          file,
        ) || /^lib\/jobs\/(?!(boss|queue-health)\.ts$)/.test(file),
    );
    expect(domain).toEqual([]);
    // The one-shot steps (migrations, repository, import) run in a child process of their own.
    expect(loaded).not.toContain("scripts/start-steps.ts");
    expect(reachable("scripts/start-steps.ts", [])).toContain("lib/catalogue/import-catalogue.ts");
  });
});
