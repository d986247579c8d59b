/*
 * lib/git wraps the Git host behind one GitProvider interface: local bare repositories driven by
 * real git, or GitHub through Octokit.
 */

import { type GantryConfig, getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { gitError } from "@/lib/git/errors";
import { GitHubProvider } from "@/lib/git/github/github-provider";
import { LocalGitProvider } from "@/lib/git/local/local-provider";
import type { GitProvider } from "@/lib/git/provider";

export type { GitProvider } from "@/lib/git/provider";

/**
 * The provider a configuration asks for. Exported for tests and tools that pass their own config.
 * `db` is where the local provider keeps pull requests; reading the repository works without it.
 */
export function createGitProvider(
  config: Pick<GantryConfig, "dataDir" | "git" | "github">,
  options: { db?: PrismaClient } = {},
): GitProvider {
  switch (config.git.provider) {
    case "local":
      return new LocalGitProvider({
        dataDir: config.dataDir,
        repository: config.git.repository,
        defaultBranch: config.git.branch,
        db: options.db,
      });
    case "github": {
      const { owner, auth } = config.github;
      // parseConfig requires both for github; this guards configs built by hand.
      if (!owner || !auth) {
        throw gitError(
          "unavailable",
          "the GitHub provider needs GANTRY_GITHUB_OWNER and credentials",
        );
      }
      return new GitHubProvider({
        apiUrl: config.github.apiUrl,
        auth,
        owner,
        repository: config.github.repository,
        defaultBranch: config.git.branch,
        dataDir: config.dataDir,
        writesPerMinute: config.github.writesPerMinute,
        writesPerHour: config.github.writesPerHour,
      });
    }
  }
}

let cached: GitProvider | undefined;

/** The process's GitOps repository, as configured (GANTRY_GIT_PROVIDER, GANTRY_GITOPS_REPO, …). */
export function getGitProvider(): GitProvider {
  cached ??= createGitProvider(getConfig(), { db: getDb() });
  return cached;
}
