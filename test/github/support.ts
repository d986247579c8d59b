import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { GitHubProvider, type GitHubProviderOptions } from "@/lib/git/github/github-provider";
import { FakeGitHub, type FakeGitHubOptions } from "./fake-github";

export const OWNER = "acme";
export const REPO = "gitops";

export const VALUES = `# payments in prod
image:
  repository: registry.example.com/payments
  tag: "1.41.0" # bumped by Gantry
replicas: 3
`;

/** A fake GitHub with a small GitOps repository on main, and a personal token for `gantry-bot`. */
export async function startFake(
  options: FakeGitHubOptions = {},
): Promise<{ fake: FakeGitHub; token: string }> {
  const token = `ghp_${randomBytes(16).toString("hex")}`;
  const fake = await FakeGitHub.start({
    owner: OWNER,
    repo: REPO,
    ...options,
    tokens: { [token]: "gantry-bot", ...options.tokens },
  });
  fake.push({
    message: "Seed the GitOps repository",
    files: {
      "environments.yaml": "environments:\n  - name: staging\n  - name: prod\n",
      "apps/payments/app.yaml": "team: payments\nchart: web\n",
      "apps/payments/envs/staging/values.yaml": VALUES.replace("1.41.0", "1.42.0"),
      "apps/payments/envs/prod/values.yaml": VALUES,
      "apps/search/app.yaml": "team: search\nchart: web\n",
      "apps/search/envs/prod/values.yaml": VALUES.replace("payments", "search"),
      "charts/web/Chart.yaml": "name: web\nversion: 1.0.0\n",
    },
  });
  return { fake, token };
}

/** Data directories made for providers, removed when the test process ends. */
const dataDirs: string[] = [];
process.once("exit", () => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

function providerDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "gantry-github-"));
  dataDirs.push(dir);
  return dir;
}

export function providerFor(
  fake: FakeGitHub,
  auth: GitHubProviderOptions["auth"],
  options: Partial<GitHubProviderOptions> = {},
): GitHubProvider {
  return new GitHubProvider({
    apiUrl: fake.apiUrl,
    webUrl: fake.webUrl,
    auth,
    owner: OWNER,
    repository: REPO,
    defaultBranch: "main",
    // Fast enough for tests; rate-limit.test.ts runs with GitHub's pacing and real budgets.
    throttling: false,
    writesPerMinute: 1000,
    writesPerHour: 50_000,
    retryBaseMs: 50,
    throttleId: randomBytes(4).toString("hex"),
    // A data directory of its own: snapshots of commits are cached there.
    dataDir: providerDataDir(),
    ...options,
  });
}

export const ALICE = { name: "Alice Example", email: "alice@example.com", login: "alice" };
