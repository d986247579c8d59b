import type { ChangeWrite, ChangeWritten, GitProvider } from "@/lib/git/provider";

/**
 * A change's parts one call at a time, in writeChange's order: for hosts
 * (and cases) where they cannot go in one request. A crash between two
 * parts leaves what the next run's findChange sees and completes.
 */
export async function writeChangeStepByStep(
  git: Pick<GitProvider, "createBranch" | "commitFiles" | "openPullRequest">,
  change: ChangeWrite,
): Promise<ChangeWritten> {
  const afterStep = change.afterStep ?? (() => undefined);
  if (change.createFrom !== undefined) {
    await git.createBranch({ name: change.branch, from: change.createFrom });
    await afterStep("branch");
  }
  let commit: string | null = null;
  if (change.commit) {
    commit = await git.commitFiles({ branch: change.branch, ...change.commit });
    await afterStep("commit");
  }
  let pullRequest: ChangeWritten["pullRequest"] = null;
  if (change.pullRequest) {
    pullRequest = await git.openPullRequest({ head: change.branch, ...change.pullRequest });
    await afterStep("pull_request");
  }
  return { commit, pullRequest };
}
