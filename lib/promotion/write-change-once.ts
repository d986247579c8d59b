import { GantryError } from "@/lib/errors";
import type {
  ChangeStep,
  FoundChange,
  GitPerson,
  GitProvider,
  PullRequest,
} from "@/lib/git/provider";
import type { FileChange } from "@/lib/promotion/locator-edits";

/**
 * A change's branch, its one commit and its pull request, each made only if
 * missing: one findChange read tells what a run before this one (crashed at
 * any step) made, and one writeChange makes the rest (on GitHub one query and
 * one request of mutations, then the labels). A branch that holds anything
 * but our one commit on top of `baseCommit` is refused as a conflict. Shared
 * by a promotion's job and a release train's.
 */
export async function writeChangeOnce(params: {
  git: GitProvider;
  /** What findChange says exists, when the caller read it already. */
  found?: FoundChange;
  branch: string;
  baseCommit: string;
  changes: readonly FileChange[];
  /** What the branch is for, in the conflict's words ("promotion", "train"). */
  owner: string;
  commitMessage: string;
  author: GitPerson;
  pullRequest: { title: string; body: string; labels: readonly string[] };
  afterStep?: (step: ChangeStep) => void | Promise<void>;
}): Promise<{ commit: string; pullRequest: PullRequest }> {
  const { git, branch, baseCommit, changes, author } = params;
  const found = params.found ?? (await git.findChange({ branch, base: git.defaultBranch }));
  const head = found.head;
  if (
    head !== null &&
    head !== baseCommit &&
    !(await isOurCommit(git, { head, base: baseCommit, changes }))
  ) {
    throw new GantryError(
      "conflict",
      `branch ${branch} already exists with commits Gantry did not make for this ${params.owner}; delete the branch or close the ${params.owner}`,
      { details: { branch, head } },
    );
  }
  const needsCommit = head === null || head === baseCommit;
  const written = await git.writeChange({
    branch,
    createFrom: head === null ? baseCommit : undefined,
    commit: needsCommit
      ? {
          parent: baseCommit,
          message: params.commitMessage,
          author,
          files: changes.map((change) => ({ path: change.path, content: change.after })),
        }
      : undefined,
    pullRequest:
      found.pullRequest === null
        ? { base: git.defaultBranch, ...params.pullRequest, author }
        : undefined,
    afterStep: params.afterStep,
  });
  const commit = written.commit ?? head;
  const pullRequest = written.pullRequest ?? found.pullRequest;
  if (commit === null || pullRequest === null) {
    throw new GantryError("unavailable", `the Git host did not report the change on ${branch}`);
  }
  return { commit, pullRequest };
}

/** The branch holds exactly our commit: one commit on top of the base, with the changed files. */
async function isOurCommit(
  git: GitProvider,
  params: { head: string; base: string; changes: readonly FileChange[] },
): Promise<boolean> {
  const commits = await git.listCommits({ ref: params.head, limit: 2 });
  if (commits[0]?.sha !== params.head || commits[1]?.sha !== params.base) return false;
  const files = await git.readFiles({
    ref: params.head,
    paths: params.changes.map((change) => change.path),
  });
  return params.changes.every((change) => files.get(change.path) === change.after);
}
