import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { LAYOUT_USAGE } from "@/cli/layout-usage";
import { checkLayout, formatLayoutReport } from "@/lib/catalogue/check-layout";
import { getConfig } from "@/lib/config";
import { createGitProvider } from "@/lib/git";

/** The files of a checkout: what Git tracks, or every file under a plain directory. */
function filesOf(root: string): string[] {
  if (fs.existsSync(path.join(root, ".git"))) {
    return execFileSync("git", ["-C", root, "ls-files", "-z"], { encoding: "utf8" })
      .split("\0")
      .filter((file) => file !== "");
  }
  return fs
    .readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) =>
      path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"),
    )
    .filter((file) => !file.startsWith(".git/"));
}

export async function runLayout(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: { repo: { type: "string" }, json: { type: "boolean", default: false } },
    strict: true,
  });
  if (action !== "check") {
    process.stderr.write(`gantry: layout needs "check"\n\n${LAYOUT_USAGE}`);
    return 2;
  }
  const config = getConfig();
  let paths: string[];
  let read: (wanted: readonly string[]) => Promise<ReadonlyMap<string, string>>;
  if (values.repo !== undefined) {
    const root = path.resolve(values.repo);
    paths = filesOf(root);
    read = async (wanted) =>
      new Map(
        wanted.flatMap((file) => {
          const full = path.join(root, file);
          return fs.existsSync(full) ? [[file, fs.readFileSync(full, "utf8")] as const] : [];
        }),
      );
  } else {
    const git = createGitProvider(config);
    const commit = await git.resolveRef(git.defaultBranch);
    paths = (await git.listTree({ ref: commit, recursive: true }))
      .filter((entry) => entry.type === "file")
      .map((entry) => entry.path);
    read = (wanted) => git.readFiles({ ref: commit, paths: wanted });
  }
  const result = await checkLayout({ layoutFile: config.git.layoutFile, paths, read });
  if (!result.ok) {
    const { file, line, column, message } = result.error;
    process.stderr.write(`gantry: ${file}:${line}:${column}: ${message}\n`);
    return 1;
  }
  process.stdout.write(
    values.json ? `${JSON.stringify(result.report, null, 2)}\n` : formatLayoutReport(result.report),
  );
  return 0;
}
