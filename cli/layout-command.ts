import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { LAYOUT_USAGE } from "@/cli/layout-usage";
import { checkLayout, formatLayoutReport } from "@/lib/catalogue/check-layout";
import { getConfig } from "@/lib/config";
import { isGantryError } from "@/lib/errors";
import { createGitProvider } from "@/lib/git";
import { cloneShallow, isRepositoryUrl } from "@/lib/git/shallow-clone";

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

type Tree = Pick<Parameters<typeof checkLayout>[0], "paths" | "read">;

/** A checkout on disk: its files' bytes as stored, decoded strictly by the check like a clone's. */
function checkoutTree(root: string): Tree {
  return {
    paths: filesOf(root),
    read: async (wanted) =>
      new Map(
        wanted.flatMap((file) => {
          const full = path.join(root, file);
          return fs.existsSync(full) ? [[file, fs.readFileSync(full)] as const] : [];
        }),
      ),
  };
}

/**
 * A temporary directory removed whatever happens: at the end, on an error,
 * and on Ctrl-C or a stop (then the command ends as interrupted).
 */
async function withTemporaryDirectory<T>(use: (dir: string) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-layout-"));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  const stop = (signal: NodeJS.Signals) => {
    remove();
    process.exit(signal === "SIGINT" ? 130 : 143);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    return await use(path.join(dir, "repository.git"));
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
    remove();
  }
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
  const check = async (tree: Tree): Promise<number> => {
    const result = await checkLayout({ layoutFile: config.git.layoutFile, ...tree });
    if (!result.ok) {
      const { file, line, column, message } = result.error;
      process.stderr.write(`gantry: ${file}:${line}:${column}: ${message}\n`);
      return 1;
    }
    process.stdout.write(
      values.json
        ? `${JSON.stringify(result.report, null, 2)}\n`
        : formatLayoutReport(result.report),
    );
    return 0;
  };

  const repo = values.repo;
  if (repo !== undefined && isRepositoryUrl(repo)) {
    try {
      return await withTemporaryDirectory(async (into) => {
        const clone = await cloneShallow({ url: repo, into });
        return check({ paths: clone.paths, read: clone.readBytes });
      });
    } catch (error) {
      if (!isGantryError(error)) throw error;
      process.stderr.write(`gantry: ${error.message}\n`);
      return 2;
    }
  }
  if (repo !== undefined) {
    const root = path.resolve(repo);
    if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
      process.stderr.write(
        `gantry: --repo ${repo} is neither a directory nor a repository URL (https://, ssh://, git@host:path, file://)\n`,
      );
      return 2;
    }
    return check(checkoutTree(root));
  }
  const git = createGitProvider(config);
  const commit = await git.resolveRef(git.defaultBranch);
  const paths = (await git.listTree({ ref: commit, recursive: true }))
    .filter((entry) => entry.type === "file")
    .map((entry) => entry.path);
  return check({ paths, read: (wanted) => git.readFiles({ ref: commit, paths: wanted }) });
}
