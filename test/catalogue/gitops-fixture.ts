import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LocalGitProvider } from "@/lib/git/local/local-provider";

/**
 * A real GitOps repository for a test: a bare repository where the local
 * provider expects it, and a work tree that commits and pushes to it.
 * Files are written as given, byte for byte, so tests can break them.
 */
export interface GitopsFixture {
  dataDir: string;
  provider: LocalGitProvider;
  /** Writes (string) or deletes (null) files, commits and pushes; returns the new commit. */
  commit(files: Record<string, string | null>, message?: string): string;
  cleanup(): void;
}

const git = (cwd: string, args: string[]) =>
  execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "Test Author",
      GIT_AUTHOR_EMAIL: "author@example.com",
      GIT_COMMITTER_NAME: "Test Author",
      GIT_COMMITTER_EMAIL: "author@example.com",
      GIT_CONFIG_NOSYSTEM: "1",
      HOME: os.tmpdir(),
    },
  }).trim();

export function createGitopsFixture(repository = "gitops"): GitopsFixture {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-catalog-"));
  const bare = path.join(dataDir, "git", `${repository}.git`);
  const work = path.join(dataDir, "work");
  fs.mkdirSync(path.dirname(bare), { recursive: true });
  git(dataDir, ["init", "--quiet", "--bare", "--initial-branch=main", bare]);
  git(dataDir, ["init", "--quiet", "--initial-branch=main", work]);
  git(work, ["remote", "add", "origin", bare]);
  const provider = new LocalGitProvider({ dataDir, repository, defaultBranch: "main" });
  return {
    dataDir,
    provider,
    commit(files, message = "change") {
      for (const [file, content] of Object.entries(files)) {
        const full = path.join(work, file);
        if (content === null) {
          fs.rmSync(full, { recursive: true, force: true });
        } else {
          fs.mkdirSync(path.dirname(full), { recursive: true });
          fs.writeFileSync(full, content);
        }
      }
      git(work, ["add", "--all"]);
      git(work, ["commit", "--quiet", "--allow-empty", "-m", message]);
      git(work, ["push", "--quiet", "origin", "main"]);
      return git(work, ["rev-parse", "HEAD"]);
    },
    cleanup() {
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const ENVIRONMENTS_YAML = `# Environments in delivery order.
environments:
  - name: dev
    displayName: Development
    clusters:
      - name: dev-eu-1
        region: eu-west-1
  - name: staging
    displayName: Staging
    clusters:
      - name: staging-eu-1
  - name: prod
    displayName: Production
    clusters:
      - name: prod-eu-1
        region: eu-west-1
      - name: prod-us-1
        region: us-east-1
`;

export const CHART_YAML = "apiVersion: v2\nname: web-service\nversion: 1.0.0\n";

export function appYaml(params: {
  name: string;
  team: string;
  tier?: string;
  chart?: string;
  extra?: string;
}): string {
  return [
    "# Catalogue entry",
    `name: ${params.name}`,
    `team: ${params.team}`,
    `tier: ${params.tier ?? "medium"}`,
    `chart: ${params.chart ?? "web-service"}`,
    `description: ${params.name} serves requests`,
    "links:",
    "  - title: Runbook",
    `    url: https://runbooks.example.com/${params.name}`,
    "labels:",
    "  domain: checkout",
    params.extra ?? "",
  ].join("\n");
}

export function valuesYaml(version: string): string {
  return `# Values for this environment\nimage:\n  repository: registry.example.com/app\n  tag: "${version}" # set by promotion\nreplicas: 2\n`;
}

/** The files of one app deployed to the given environments at the given versions. */
export function appFiles(
  slug: string,
  team: string,
  versions: Record<string, string>,
  manifest: Partial<Parameters<typeof appYaml>[0]> = {},
): Record<string, string> {
  const files: Record<string, string> = {
    [`apps/${slug}/app.yaml`]: appYaml({ name: slug, team, ...manifest }),
  };
  for (const [environment, version] of Object.entries(versions)) {
    files[`apps/${slug}/envs/${environment}/values.yaml`] = valuesYaml(version);
  }
  return files;
}
