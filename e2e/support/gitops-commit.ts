import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { e2eDataDir } from "./auth";

/** The shared e2e portal's GitOps repository (the local provider's bare repository). */
const bare = path.join(e2eDataDir, "git", "gitops.git");

/** Tries before giving up when the portal keeps merging ahead of the push. */
const PUSH_ATTEMPTS = 5;

function git(cwd: string, args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "E2E",
      GIT_AUTHOR_EMAIL: "e2e@example.com",
      GIT_COMMITTER_NAME: "E2E",
      GIT_COMMITTER_EMAIL: "e2e@example.com",
    },
  }).trim();
}

/**
 * Commits to the portal's GitOps repository as a person would from a clone:
 * `edit` changes files under the clone's root, and the commit is pushed to
 * the default branch. The portal merges promotions (the demo feed's releases
 * among them) at any moment, so a push refused as behind is rebased on what
 * was merged and pushed again, as a person would. Returns the commit pushed.
 */
export function commitToGitops(message: string, edit: (root: string) => void): string {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-e2e-gitops-"));
  try {
    git(work, ["clone", "--quiet", bare, "repo"]);
    const repo = path.join(work, "repo");
    edit(repo);
    git(repo, ["commit", "--quiet", "-am", message]);
    for (let attempt = 1; ; attempt++) {
      try {
        git(repo, ["push", "--quiet", "origin", "HEAD"]);
        return git(repo, ["rev-parse", "HEAD"]);
      } catch (error) {
        if (attempt >= PUSH_ATTEMPTS) throw error;
        git(repo, ["pull", "--quiet", "--rebase", "origin", "HEAD"]);
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
