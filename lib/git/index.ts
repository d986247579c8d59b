import { type GantryConfig, getConfig } from "@/lib/config";
import { gitError } from "@/lib/git/errors";
import { LocalGitProvider } from "@/lib/git/local/local-provider";
import type { GitReader } from "@/lib/git/provider";

export type { CommitSummary, GitProvider, GitReader, TreeEntry } from "@/lib/git/provider";

/** The provider a configuration asks for. Exported for tests and tools that pass their own config. */
export function createGitProvider(config: Pick<GantryConfig, "dataDir" | "git">): GitReader {
  switch (config.git.provider) {
    case "local":
      return new LocalGitProvider({
        dataDir: config.dataDir,
        repository: config.git.repository,
        defaultBranch: config.git.branch,
      });
    case "github":
      throw gitError(
        "unavailable",
        "the GitHub provider is not available yet; set GANTRY_GIT_PROVIDER=local",
      );
  }
}

let cached: GitReader | undefined;

/** The process's GitOps repository, as configured (GANTRY_GIT_PROVIDER, GANTRY_GITOPS_REPO, …). */
export function getGitProvider(): GitReader {
  cached ??= createGitProvider(getConfig());
  return cached;
}
