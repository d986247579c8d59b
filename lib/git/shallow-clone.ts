import { isGantryError } from "@/lib/errors";
import { gitError, sanitizeStderr } from "@/lib/git/errors";
import { readObjects } from "@/lib/git/local/cat-file";
import { GitCli, runGit } from "@/lib/git/local/git-cli";

/** A clone of a remote repository takes at most this long: a host that does not answer is an error. */
const CLONE_TIMEOUT_MS = 120_000;

/** https://, http://, ssh://, git://, file:// or scp-like `user@host:path`: a URL, not a directory. */
export function isRepositoryUrl(value: string): boolean {
  return /^(https?|ssh|git|file):\/\//i.test(value) || /^[\w.-]+@[\w.-]+:/.test(value);
}

/**
 * The URL as it may be shown: a user and password (`https://token@host/…`)
 * are credentials, and never reach an error message or a log.
 */
export function withoutCredentials(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString();
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, "$1");
  }
}

/** One commit of a remote repository, cloned without a working tree. */
export interface ShallowClone {
  /** Every file path of the commit. */
  paths: string[];
  /** The files' bytes as stored (absent when not a file of the commit). */
  readBytes(paths: readonly string[]): Promise<Map<string, Uint8Array>>;
}

/**
 * Clones the tip of `url`'s default branch into `into` (an empty directory
 * the caller owns and removes, also on Ctrl-C), as a bare repository of one
 * commit: only that commit's objects are fetched, and nothing is checked out
 * (files are read through git, as the import reads them). Never prompts for
 * credentials; a host that does not answer in time is an error naming the
 * URL without its credentials.
 */
export async function cloneShallow(params: { url: string; into: string }): Promise<ShallowClone> {
  const { url, into } = params;
  const shown = withoutCredentials(url);
  const failed = (why: string) =>
    gitError("unavailable", `could not clone ${shown}: ${why}`, { details: { url: shown } });
  let clone: Awaited<ReturnType<typeof runGit>>;
  try {
    clone = await runGit(
      ["clone", "--bare", "--depth", "1", "--single-branch", "--quiet", "--", url, into],
      { timeoutMs: CLONE_TIMEOUT_MS, okExitCodes: [1, 128] },
    );
  } catch (error) {
    if (!isGantryError(error)) throw error;
    throw failed(
      /timed out/.test(error.message)
        ? `no answer within ${CLONE_TIMEOUT_MS / 1000} s`
        : error.message,
    );
  }
  if (clone.exitCode !== 0) {
    const said = sanitizeStderr(clone.stderr.split(url).join(shown))
      .split("\n")
      .filter((line) => line.trim() !== "")
      .slice(-2)
      .join("; ");
    throw failed(said || `git clone failed (exit ${clone.exitCode})`);
  }
  const git = new GitCli({ gitDir: into });
  const { stdout } = await git.run(["ls-tree", "-r", "-z", "--name-only", "HEAD"]);
  // The batch protocol is line based: a path with a line break cannot be asked for.
  const paths = stdout
    .toString("utf8")
    .split("\0")
    .filter((path) => path !== "" && !/[\n\r]/.test(path));
  return {
    paths,
    async readBytes(wanted) {
      const objects = await readObjects(
        git,
        wanted.map((path) => `HEAD:${path}`),
      );
      const files = new Map<string, Uint8Array>();
      objects.forEach((object, index) => {
        const path = wanted[index];
        if (object?.type === "blob" && path !== undefined) files.set(path, object.content);
      });
      return files;
    },
  };
}
