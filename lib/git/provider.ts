/**
 * The narrow interface every Git host implementation answers to. Domain code
 * (catalogue import, promotion) only ever talks to a GitProvider; it never
 * runs `git` or calls a Git host's API itself.
 *
 * A `ref` is a branch name, a tag or a full commit SHA. Paths are POSIX,
 * relative to the repository root, with no leading slash.
 */
export interface GitProvider extends GitReader, GitWriter {}

/** Reading the repository: all the catalogue needs. */
export interface GitReader {
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

  /**
   * The files under each of `paths` (a directory, recursively, or a file) at `ref`, in one
   * read: what an import needs of a few applications without listing the whole commit.
   * Optional: a reader without it lists each path with listTree.
   */
  listFilesUnder?(params: { ref: string; paths: readonly string[] }): Promise<TreeEntry[]>;

  /**
   * The paths whose content differs between commits `from` and `to` (added, changed or
   * deleted; a rename is a deletion and an addition). Null when the host cannot tell without
   * reading both commits whole (e.g. `from` is no longer known): the caller reads `to` whole.
   */
  changedPaths?(params: { from: string; to: string }): Promise<string[] | null>;

  /**
   * Reads blobs by object id (TreeEntry.sha) in one go: no path lookups through the trees of
   * a commit. Ids that are not blobs here are absent from the result.
   */
  readBlobs?(ids: readonly string[]): Promise<Map<string, string>>;

  /** Commits on `ref`, newest first, optionally only those touching `path`. */
  listCommits(params: { ref: string; path?: string; limit?: number }): Promise<CommitSummary[]>;

  /** A browser URL for a file at a commit, or null when the host has no web view. */
  fileUrl(params: { ref: string; path: string }): string | null;

  /**
   * Whether commit `ancestor` is `descendant` or one of its ancestors (both full SHAs).
   * Throws GantryError("not_found", { system: "git" }) when either commit is unknown.
   */
  isAncestor(params: { ancestor: string; descendant: string }): Promise<boolean>;
}

/**
 * Changing the repository through pull requests. Every write is safe to retry:
 * promotion jobs may crash between any two calls and run again, so each
 * operation first looks for what it would create.
 */
interface GitWriter {
  /** The SHA a branch points at, or null when there is no such branch. */
  getBranch(name: string): Promise<string | null>;

  /**
   * Creates `name` at commit `from`. When the branch already exists it is left as it is and
   * returned with `created: false` (the caller decides whether its head is acceptable).
   */
  createBranch(params: { name: string; from: string }): Promise<{ sha: string; created: boolean }>;

  /**
   * One commit on `branch` with all `files` changed, whose parent is `parent` (the branch's
   * current head; a different head is a conflict: GantryError("conflict")). Author and committer
   * are the person where the host lets Gantry say so; GitHub's one-call commit makes Gantry's
   * identity the author and names the person in a Co-authored-by trailer. The message carries
   * the trailers it is given. Each file keeps its mode (an executable stays one). Returns the
   * new commit SHA.
   */
  commitFiles(params: {
    branch: string;
    parent: string;
    message: string;
    author: GitPerson;
    files: readonly { path: string; content: string }[];
  }): Promise<string>;

  /** The newest pull request (any state) whose head is `head` and base is `base`, or null. */
  findPullRequest(params: { head: string; base: string }): Promise<PullRequest | null>;

  openPullRequest(params: {
    head: string;
    base: string;
    title: string;
    body: string;
    labels: readonly string[];
    author: GitPerson;
  }): Promise<PullRequest>;

  /**
   * What exists of a change proposed from `branch` into `base`: the branch's head (null when
   * there is no such branch) and the newest pull request (any state) from it into `base`. One
   * read where the host allows (GitHub: one GraphQL query).
   */
  findChange(params: { branch: string; base: string }): Promise<FoundChange>;

  /**
   * Makes the parts of a change that are given, in order: the branch, one commit on it, the
   * pull request (labelled). GitHub makes them in one GraphQL request (its mutations run one
   * after another) where it can, and step by step where it cannot (a file that must keep an
   * executable or link mode, a host without GraphQL). Each part fails as its own call would:
   * a moved head is a conflict, an existing branch or pull request is found, not duplicated.
   * `afterStep` runs after each part is made (on GitHub after the one request made them all).
   */
  writeChange(params: ChangeWrite): Promise<ChangeWritten>;

  getPullRequest(number: number): Promise<PullRequest>;

  listReviews(number: number): Promise<PullRequestReview[]>;

  /** Adds a review; `approve` is how an approval given in the portal lands on the pull request. */
  submitReview(params: {
    number: number;
    reviewer: GitPerson;
    decision: "approve" | "request_changes" | "comment";
    body: string;
  }): Promise<PullRequestReview>;

  /** The combined state of checks on a commit (CI statuses and check runs). */
  getChecks(sha: string): Promise<CheckSummary>;

  /**
   * Posts a commit status on `sha` under `context` (Gantry's is `gantry/policy`); the newest
   * status of a context is the one that counts, so posting again replaces it.
   */
  setCommitStatus(params: CommitStatus): Promise<void>;

  /**
   * Merges an open pull request whose head is still `expectedHeadSha` (otherwise
   * GantryError("conflict")); refused with a clear message when it cannot merge cleanly.
   * Merging an already merged pull request returns its merge commit.
   */
  mergePullRequest(params: {
    number: number;
    expectedHeadSha: string;
    method: "merge" | "squash";
    message: string;
    mergedBy: GitPerson;
  }): Promise<{ sha: string }>;

  /** Closes a pull request without merging; closing a closed one does nothing. */
  closePullRequest(number: number): Promise<void>;

  addComment(params: { number: number; body: string; author: GitPerson }): Promise<void>;

  /** A browser URL for a pull request, or null when the host has no web view. */
  pullRequestUrl(number: number): string | null;
}

export interface FoundChange {
  head: string | null;
  pullRequest: PullRequest | null;
}

/** A part of a change that writeChange makes (in this order). */
export type ChangeStep = "branch" | "commit" | "pull_request";

export interface ChangeWrite {
  branch: string;
  /** Create `branch` at this commit (it is left as it is when it exists). */
  createFrom?: string;
  /** One commit on `branch` whose parent is `parent` (its head by then; else a conflict). */
  commit?: {
    parent: string;
    message: string;
    author: GitPerson;
    files: readonly { path: string; content: string }[];
  };
  /** Open the pull request from `branch` (an existing one is returned instead). */
  pullRequest?: {
    base: string;
    title: string;
    body: string;
    labels: readonly string[];
    author: GitPerson;
  };
  afterStep?: (step: ChangeStep) => void | Promise<void>;
}

export interface ChangeWritten {
  /** The commit made, when one was asked for. */
  commit: string | null;
  /** The pull request opened (or found), when one was asked for. */
  pullRequest: PullRequest | null;
}

export interface GitPerson {
  name: string;
  email: string;
  /** The person's login on the Git host, when known (GitHub user name). */
  login?: string;
}

type PullRequestState = "open" | "closed" | "merged";

export interface PullRequest {
  number: number;
  state: PullRequestState;
  title: string;
  body: string;
  head: string;
  base: string;
  headSha: string;
  labels: string[];
  authorLogin: string | null;
  /** The commit on the base branch that merged it, when merged. */
  mergeCommitSha: string | null;
  url: string | null;
  /** ISO 8601 */
  createdAt: string;
  mergedAt: string | null;
  closedAt: string | null;
}

export interface PullRequestReview {
  id: string;
  reviewer: string;
  state: "approved" | "changes_requested" | "commented" | "dismissed";
  body: string;
  /** The head commit the review was given on: an approval of an older head does not count. */
  commitSha: string | null;
  /** ISO 8601 */
  submittedAt: string;
}

export interface CommitStatus {
  sha: string;
  context: string;
  state: "pending" | "success" | "failure" | "error";
  /** At most 140 characters (GitHub's limit); longer is cut. */
  description: string;
  targetUrl: string | null;
}

export interface CheckSummary {
  state: "success" | "pending" | "failure" | "none";
  checks: { name: string; state: "success" | "pending" | "failure"; url: string | null }[];
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
