import { GantryError } from "@/lib/errors";

/**
 * Checks on the refs, paths and limits domain code hands a Git provider,
 * shared by every implementation so `local` and `github` accept and refuse
 * exactly the same input.
 */

/** Errors are tagged with the provider that refused the input. */
export type GitSystem = "git" | "github";

/** A branch, tag or commit: nothing that git could read as an option or a range. */
export function assertRef(ref: string, system: GitSystem): void {
  if (
    ref === "" ||
    ref.length > 255 ||
    ref.startsWith("-") ||
    ref.includes("..") ||
    !/^[A-Za-z0-9._/@+-]+$/.test(ref)
  ) {
    throw new GantryError(
      "bad_request",
      `"${ref.slice(0, 80)}" is not a valid branch, tag or commit`,
      {
        system,
      },
    );
  }
}

/**
 * Repository paths are POSIX and relative. `..`, `.` and empty segments are
 * refused rather than resolved: nothing outside the tree is reachable anyway,
 * but a path that means something else than it says is a bug upstream.
 */
export function normalizePath(path: string, options: { allowRoot?: boolean } = {}): string {
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed === "") {
    if (options.allowRoot) return "";
    throw new GantryError("bad_request", "a file path is required", { system: "git" });
  }
  const segments = trimmed.split("/");
  if (
    trimmed.startsWith("/") ||
    /[\0\n\r]/.test(trimmed) ||
    segments.some((s) => s === "" || s === "." || s === "..")
  ) {
    throw new GantryError(
      "bad_request",
      `"${trimmed.slice(0, 200)}" is not a valid repository path`,
      {
        system: "git",
      },
    );
  }
  return trimmed;
}

const DEFAULT_COMMIT_LIMIT = 20;
const MAX_COMMIT_LIMIT = 1_000;

/** How many commits `listCommits` returns: 20 unless asked, never fewer than 1 or more than 1,000. */
export function commitLimit(limit: number | undefined): number {
  return Math.min(Math.max(1, Math.floor(limit ?? DEFAULT_COMMIT_LIMIT)), MAX_COMMIT_LIMIT);
}
