import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { isGantryError } from "@/lib/errors";
import { githubError } from "@/lib/git/github/client";
import {
  DEFAULT_TAR_LIMITS,
  readTarball,
  type TarEntry,
  type TarLimits,
} from "@/lib/git/github/tarball";
import { type GitCli, runGit } from "@/lib/git/local/git-cli";
import { LocalGitProvider } from "@/lib/git/local/local-provider";

/** Git's modes for what a tarball can hold. */
export type FileMode = "100644" | "100755" | "120000";

const MODES: Record<TarEntry["kind"], FileMode> = {
  file: "100644",
  executable: "100755",
  symlink: "120000",
};

const REF_PREFIX = "refs/snapshots/";
const FLUSH_BYTES = 1 << 20;
/** Each cache says it is in use this often; one silent for `ABANDONED_AFTER_MS` is removed. */
const HEARTBEAT_MS = 10 * 60_000;
const ABANDONED_AFTER_MS = 60 * 60_000;
const HEARTBEAT_FILE = "in-use";

export interface SnapshotOptions {
  /**
   * A directory of this repository's own under Gantry's data directory. It
   * may be shared by several processes (replicas on one volume): each keeps
   * its snapshots in a folder of its own inside it.
   */
  cacheDir: string;
  /** Commits kept; older ones are dropped and their objects pruned. Default 4. */
  maxSnapshots?: number;
  limits?: Partial<TarLimits>;
  timeoutMs?: number;
}

/**
 * GitHub commits read once, as a whole, into a bare repository of their own
 * (one `git fast-import` per commit, each file with its Git mode), then read
 * by the local provider's reader: a commit is one tarball download however
 * many files the catalogue reads, and a commit already here costs no call.
 *
 * Each snapshot is a root commit of its own under `refs/snapshots/<GitHub
 * commit>`; its tree has GitHub's blob ids (the same bytes hash the same),
 * so `TreeEntry.sha` still says "unchanged" across commits. Only the last
 * `maxSnapshots` commits are kept; objects nothing refers to any more are
 * pruned every `maxSnapshots` evictions, which bounds the directory at about
 * twice that many commits.
 *
 * Eviction and pruning follow what this instance reads, so no other reader
 * may share its repository: replicas on one volume (and the two copies of
 * the code in one server process) would otherwise drop and prune a commit
 * another is still reading. Each instance therefore has a folder of its own
 * under `cacheDir`, touched every `HEARTBEAT_MS`; a folder nobody touched
 * for `ABANDONED_AFTER_MS` (its process ended) is removed by the next
 * instance that starts or beats.
 */
export class GitHubSnapshots {
  readonly reader: LocalGitProvider;
  private readonly git: GitCli;
  private readonly gitDir: string;
  private readonly maxSnapshots: number;
  private readonly limits: Partial<TarLimits> | undefined;
  private readonly timeoutMs: number;
  /** GitHub commit → local snapshot commit. */
  private readonly known = new Map<string, string>();
  private readonly loading = new Map<string, Promise<string>>();
  private ready: Promise<void> | null = null;
  private evictedSinceGc = 0;
  /** GitHub commits this process read, least recently used first: what eviction keeps. */
  private readonly recent: string[] = [];
  private readonly cacheDir: string;
  private readonly ownDir: string;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(options: SnapshotOptions) {
    this.cacheDir = options.cacheDir;
    const owner = `${os.hostname()}-${process.pid}-${randomBytes(4).toString("hex")}`;
    this.ownDir = path.join(options.cacheDir, owner.replace(/[^A-Za-z0-9._-]/g, "_"));
    this.reader = new LocalGitProvider({
      dataDir: this.ownDir,
      repository: "snapshots",
      defaultBranch: "main",
      timeoutMs: options.timeoutMs,
    });
    this.gitDir = this.reader.gitDir;
    this.git = this.reader.git;
    this.maxSnapshots = Math.max(1, options.maxSnapshots ?? 4);
    this.limits = options.limits;
    this.timeoutMs = options.timeoutMs ?? 300_000;
  }

  /** The local commit holding GitHub commit `sha`, or null when it is not here. */
  async cached(sha: string): Promise<string | null> {
    const known = this.known.get(sha);
    if (known) {
      this.touch(sha);
      return known;
    }
    await this.ensureRepository();
    const { stdout, exitCode } = await this.git.run(
      ["rev-parse", "--verify", "--quiet", `${REF_PREFIX}${sha}^{commit}`],
      { okExitCodes: [1] },
    );
    const found =
      exitCode === 0 ? stdout.toString("utf8").trim() : await this.fetchFromSibling(sha);
    if (found === null) return null;
    const local = found;
    this.known.set(sha, local);
    this.touch(sha);
    return local;
  }

  /**
   * A commit another instance's folder holds (an earlier run of this
   * process, another replica on the volume) is copied from there with a
   * local fetch instead of downloaded again: its objects come into this
   * instance's own repository, so that folder's pruning cannot take them
   * away. A folder pruned or removed meanwhile is a miss, like any other.
   */
  private async fetchFromSibling(sha: string): Promise<string | null> {
    const entries = await readdir(this.cacheDir, { withFileTypes: true }).catch(() => []);
    const inFolder = path.relative(this.ownDir, this.gitDir);
    const ref = `${REF_PREFIX}${sha}`;
    for (const entry of entries) {
      const dir = path.join(this.cacheDir, entry.name);
      if (!entry.isDirectory() || dir === this.ownDir) continue;
      const other = path.join(dir, inFolder);
      if (!existsSync(other)) continue;
      const fetched = await this.git.run(
        ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head", other, `+${ref}:${ref}`],
        { okExitCodes: [1, 128] },
      );
      if (fetched.exitCode !== 0) continue;
      const { stdout, exitCode } = await this.git.run(
        ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`],
        { okExitCodes: [1] },
      );
      if (exitCode === 0) return stdout.toString("utf8").trim();
    }
    return null;
  }

  private touch(sha: string): void {
    const at = this.recent.indexOf(sha);
    if (at >= 0) this.recent.splice(at, 1);
    this.recent.push(sha);
    // Only the newest few matter to eviction; the list stays small.
    if (this.recent.length > this.maxSnapshots * 4) this.recent.shift();
  }

  /**
   * The local commit holding GitHub commit `sha`, downloading it with
   * `download` (a gunzipped tarball) when it is not here. Concurrent callers
   * for one commit share one download.
   */
  async snapshot(sha: string, download: () => Promise<AsyncIterable<Uint8Array>>): Promise<string> {
    const cached = await this.cached(sha);
    if (cached) return cached;
    const pending = this.loading.get(sha);
    if (pending) return pending;
    const load = this.load(sha, download).finally(() => this.loading.delete(sha));
    this.loading.set(sha, load);
    return load;
  }

  /**
   * Blobs by id from whatever snapshots are here (a blob unchanged since a
   * commit read before costs no call); ids not here are absent.
   */
  async readBlobs(ids: readonly string[]): Promise<Map<string, string>> {
    await this.ensureRepository();
    return this.reader.readBlobs(ids);
  }

  /** Largest file read, as the tarball's limit says. */
  get maxFileBytes(): number {
    return this.limits?.maxFileBytes ?? DEFAULT_TAR_LIMITS.maxFileBytes;
  }

  /** The Git mode of each of `paths` in a snapshot; absent paths are left out. */
  async modes(local: string, paths: readonly string[]): Promise<Map<string, FileMode>> {
    const modes = new Map<string, FileMode>();
    if (paths.length === 0) return modes;
    const { stdout } = await this.git.run([
      "ls-tree",
      "-z",
      "--full-tree",
      "--end-of-options",
      local,
      "--",
      ...paths,
    ]);
    for (const record of stdout.toString("utf8").split("\0")) {
      const tab = record.indexOf("\t");
      if (tab < 0) continue;
      const [mode] = record.slice(0, tab).split(" ");
      if (mode === "100644" || mode === "100755" || mode === "120000") {
        modes.set(record.slice(tab + 1), mode);
      }
    }
    return modes;
  }

  private ensureRepository(): Promise<void> {
    this.ready ??= (async () => {
      // The heartbeat first: a folder without one is anybody's to remove once it is old.
      await mkdir(this.ownDir, { recursive: true });
      await writeFile(path.join(this.ownDir, HEARTBEAT_FILE), `${process.pid}\n`);
      await removeAbandoned(this.cacheDir, this.ownDir);
      this.beat();
      if (existsSync(this.gitDir)) return;
      await mkdir(path.dirname(this.gitDir), { recursive: true });
      await runGit(["init", "--quiet", "--bare", this.gitDir]);
    })().catch((error: unknown) => {
      this.ready = null;
      throw error;
    });
    return this.ready;
  }

  private beat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      const now = new Date();
      void utimes(path.join(this.ownDir, HEARTBEAT_FILE), now, now)
        .then(() => removeAbandoned(this.cacheDir, this.ownDir))
        .catch(() => undefined);
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private async load(
    sha: string,
    download: () => Promise<AsyncIterable<Uint8Array>>,
  ): Promise<string> {
    await this.ensureRepository();
    const source = await download();
    let archived: string | null = null;
    const entries = readTarball(source, {
      limits: this.limits,
      onCommit: (commit) => {
        archived = commit;
      },
    });
    const ref = `${REF_PREFIX}${sha}`;
    const { child, done } = this.git.spawn(["fast-import", "--quiet", "--done", "--force"], {
      timeoutMs: this.timeoutMs,
    });
    child.stdout.resume();
    // A failed import must not leave git waiting for input, nor an unhandled rejection.
    done.catch(() => undefined);

    let buffered: Buffer[] = [];
    let bufferedBytes = 0;
    const flush = async () => {
      if (buffered.length === 0) return;
      const chunk = Buffer.concat(buffered);
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
    const emit = async (data: Buffer | string) => {
      const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      buffered.push(bytes);
      bufferedBytes += bytes.length;
      if (bufferedBytes >= FLUSH_BYTES) await flush();
    };

    try {
      const message = `snapshot of ${sha}\n`;
      const now = Math.floor(Date.now() / 1000);
      await emit(
        `commit ${ref}\ncommitter Gantry <gantry@localhost> ${now} +0000\ndata ${Buffer.byteLength(message)}\n${message}`,
      );
      for await (const entry of entries) {
        await emit(
          `M ${MODES[entry.kind]} inline ${quotePath(entry.path)}\ndata ${entry.content.length}\n`,
        );
        await emit(entry.content);
        await emit("\n");
      }
      await emit("\ndone\n");
      await flush();
      child.stdin.end();
      await done;
    } catch (error) {
      child.kill("SIGKILL");
      if (isGantryError(error)) throw error;
      // gzip or the connection failed mid-download: say so, without a stack from zlib.
      throw githubError(
        "unavailable",
        `GitHub's tarball of ${sha.slice(0, 12)} could not be read: ${error instanceof Error ? error.message.slice(0, 200) : "unknown error"}`,
        { cause: error },
      );
    } finally {
      await entries.return(undefined);
    }
    if (archived !== null && archived !== sha) {
      await this.git.run(["update-ref", "-d", ref]);
      throw githubError(
        "unavailable",
        `GitHub sent the tarball of ${String(archived).slice(0, 12)} for commit ${sha.slice(0, 12)}`,
      );
    }
    const local = await this.cached(sha);
    if (!local)
      throw githubError("unavailable", `the snapshot of ${sha.slice(0, 12)} was not written`);
    await this.evict(ref);
    return local;
  }

  /**
   * Keeps the `maxSnapshots` snapshots this process used most recently (the
   * one just made among them) and drops the rest; prunes now and then.
   * Snapshots from before this process started rank after those, newest
   * commit first. Commit dates alone cannot order them: they count seconds,
   * and the commits a busy repository makes within one second tie.
   */
  private async evict(keep: string): Promise<void> {
    const listing = await this.git.text([
      "for-each-ref",
      "--sort=-committerdate",
      "--format=%(refname)",
      REF_PREFIX,
    ]);
    const present = listing.split("\n").filter((line) => line !== "");
    const used = [...this.recent]
      .reverse()
      .map((sha) => `${REF_PREFIX}${sha}`)
      .filter((ref) => present.includes(ref));
    const ranked = [keep, ...used, ...present].filter(
      (ref, index, all) => all.indexOf(ref) === index,
    );
    const stale = ranked.slice(this.maxSnapshots).filter((ref) => present.includes(ref));
    if (stale.length === 0) return;
    await this.git.run(["update-ref", "--stdin"], {
      input: stale.map((ref) => `delete ${ref}\n`).join(""),
    });
    for (const ref of stale) this.known.delete(ref.slice(REF_PREFIX.length));
    this.evictedSinceGc += stale.length;
    if (this.evictedSinceGc >= this.maxSnapshots) {
      this.evictedSinceGc = 0;
      await this.git.run(["gc", "--quiet", "--prune=now"], { timeoutMs: this.timeoutMs });
    }
  }
}

/**
 * Removes the folders of `cacheDir` whose heartbeat (or, before it was
 * written, the folder itself) is older than `ABANDONED_AFTER_MS`: caches of
 * processes that ended. A folder another process removes first is skipped.
 */
async function removeAbandoned(cacheDir: string, own: string): Promise<void> {
  const entries = await readdir(cacheDir, { withFileTypes: true }).catch(() => []);
  const oldest = Date.now() - ABANDONED_AFTER_MS;
  for (const entry of entries) {
    const dir = path.join(cacheDir, entry.name);
    if (!entry.isDirectory() || dir === own) continue;
    const beat =
      (await stat(path.join(dir, HEARTBEAT_FILE)).catch(() => null)) ??
      (await stat(dir).catch(() => null));
    if (beat && beat.mtimeMs < oldest) await rm(dir, { recursive: true, force: true });
  }
}

/** fast-import reads a path to the end of the line unless it is C-quoted. */
function quotePath(value: string): string {
  if (!/["\\\n\r]/.test(value) && !value.startsWith('"')) return value;
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
}
