/**
 * The narrow interface every Git host implementation answers to. Domain code
 * (catalogue import, promotion) only ever talks to a GitProvider; it never
 * runs `git` or calls a Git host's API itself.
 *
 * A `ref` is a branch name, a tag or a full commit SHA. Paths are POSIX,
 * relative to the repository root, with no leading slash.
 */
export interface GitProvider {
  /** Which implementation this is, for error messages and the UI. */
  readonly kind: "local" | "github";

  /** Repository name as shown to people (e.g. "gitops"). */
  readonly repository: string;

  /** The default branch (e.g. "main"). */
  readonly defaultBranch: string;

  /** Resolves a ref to a full commit SHA. Throws GantryError("not_found", { system: "git" }) when the ref is unknown. */
  resolveRef(ref: string): Promise<string>;

  /**
   * Lists the entries under `path` at `ref` (recursively when asked), with paths from the
   * repository root. Directories end with no slash; `type` says which. A path that does not
   * exist (or is a file) has no entries.
   */
  listTree(params: { ref: string; path?: string; recursive?: boolean }): Promise<TreeEntry[]>;

  /** Reads one file at a ref; returns null when the file does not exist there. */
  readFile(params: { ref: string; path: string }): Promise<string | null>;

  /**
   * Reads many files at a ref in one go (the importer reads thousands). Missing paths are absent
   * from the result. Implementations batch (e.g. `git cat-file --batch`).
   */
  readFiles(params: { ref: string; paths: readonly string[] }): Promise<Map<string, string>>;

  /** Commits on `ref`, newest first, optionally only those touching `path`. */
  listCommits(params: { ref: string; path?: string; limit?: number }): Promise<CommitSummary[]>;

  /** A browser URL for a file at a commit, or null when the host has no web view. */
  fileUrl(params: { ref: string; path: string }): string | null;
}

export interface TreeEntry {
  path: string;
  type: "file" | "directory";
  /**
   * The object id (blob or tree SHA) when the host reports it, as both git and
   * GitHub's tree API do: equal SHAs mean equal content, so an importer can
   * skip files it has already read.
   */
  sha?: string;
}

export interface CommitSummary {
  sha: string;
  /** First line of the message. */
  subject: string;
  authorName: string;
  authorEmail: string;
  /** ISO 8601 */
  authoredAt: string;
}
