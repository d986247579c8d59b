import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { readGitopsRepo } from "@/lib/catalogue/read-gitops-repo";
import { setVersion } from "@/lib/gitops-repo/version";
import { appFiles, CHART_YAML } from "@/test/catalogue/gitops-fixture";
import { FakeGitHub } from "./fake-github";
import { providerFor } from "./support";

/**
 * How many requests the GitHub provider sends for the three things the
 * issue of scale names, counted where they arrive (the fake GitHub, codeload
 * included): a cold import, one promotion's branch + commit + pull request,
 * and a train's one commit of many apps' files + its pull request. Shared by
 * bench/github.ts and test/github/call-counts.test.ts, so the figures the
 * bench records are the ones the tests hold to.
 */

export const ENVIRONMENTS = ["dev", "qa", "staging", "prod"] as const;

const ENVIRONMENTS_YAML = `environments:\n${ENVIRONMENTS.map(
  (name) =>
    `  - name: ${name}\n    displayName: ${name.toUpperCase()}\n    clusters:\n      - name: ${name}-1\n`,
).join("")}`;

export interface CallCount {
  /** Requests that reached the fake: API calls and codeload downloads. */
  requests: number;
  /** Of those, calls to the API (what GitHub's rate limits count). */
  apiCalls: number;
  /**
   * Content-creating operations: REST POST, PATCH, PUT, DELETE, and each GraphQL mutation
   * (several may travel in one request).
   */
  writes: number;
  /** Requests that carried at least one GraphQL mutation. */
  mutationRequests: number;
  byOperation: Record<string, number>;
}

export interface GitHubCallsReport {
  applications: number;
  environments: number;
  files: number;
  coldImport: CallCount & { applicationsRead: number };
  pullRequest: CallCount;
  train: CallCount & { applications: number; filesChanged: number };
  schemaProblems: string[];
}

/** A fleet of `apps` applications on the four environments, every version 1.0.0. */
export function fleet(apps: number): { files: Record<string, string>; slugs: string[] } {
  const files: Record<string, string> = {
    "environments.yaml": ENVIRONMENTS_YAML,
    "charts/web-service/Chart.yaml": CHART_YAML,
  };
  const slugs = Array.from({ length: apps }, (_, i) => `svc-${String(i).padStart(5, "0")}`);
  for (const [index, slug] of slugs.entries()) {
    const versions = Object.fromEntries(ENVIRONMENTS.map((env) => [env, "1.0.0"]));
    Object.assign(files, appFiles(slug, `team-${index % 25}`, versions));
  }
  return { files, slugs };
}

export async function measureGitHubCalls(params: {
  applications: number;
  trainApplications: number;
}): Promise<GitHubCallsReport> {
  const token = `ghp_${randomBytes(16).toString("hex")}`;
  const fake = await FakeGitHub.start({
    owner: "acme",
    repo: "gitops",
    tokens: { [token]: "gantry" },
  });
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "gantry-github-calls-"));
  try {
    const { files, slugs } = fleet(params.applications);
    fake.push({ files, message: "fleet" });
    const github = providerFor(fake, { type: "token", token }, { dataDir });
    const author = { name: "Alice Example", email: "alice@example.com" };

    const count = async (action: () => Promise<unknown>): Promise<CallCount> => {
      github.resetApiCallCounts();
      const before = fake.requests.length;
      const mutationsBefore = fake.graphqlMutations.length;
      const mutationRequestsBefore = fake.graphqlMutationRequests;
      await action();
      const requests = fake.requests.slice(before);
      const mutationRequests = fake.graphqlMutationRequests - mutationRequestsBefore;
      const calls = github.apiCallCounts();
      const restWrites = requests.filter(
        (r) => r.method !== "GET" && r.route !== "POST /graphql",
      ).length;
      return {
        requests: requests.length,
        apiCalls: requests.filter((r) => !r.route?.startsWith("GET codeload")).length,
        writes: restWrites + fake.graphqlMutations.length - mutationsBefore,
        mutationRequests,
        byOperation: calls.byOperation,
      };
    };

    // 1. Cold import: an empty data directory, the catalogue's own reader.
    let applicationsRead = 0;
    const coldImport = await count(async () => {
      const commit = await github.resolveRef("main");
      const snapshot = await readGitopsRepo({ git: github, commit, versionPath: "image.tag" });
      applicationsRead = snapshot.applications.length;
    });

    const main = await github.resolveRef("main");
    const bump = (slug: string, env: string) => {
      const file = `apps/${slug}/envs/${env}/values.yaml`;
      const edited = setVersion(files[file] ?? "", "image.tag", "1.1.0", file);
      if (!edited.ok) throw new Error(edited.error.message);
      return { path: file, content: edited.text };
    };
    const open = async (branch: string, changes: { path: string; content: string }[]) => {
      // The promotion job's calls (lib/promotion/open-pull-request.ts), in its order: the
      // values files from the plan's snapshot, what exists, then what is missing.
      await github.readFiles({ ref: main, paths: changes.map((c) => c.path) });
      const found = await github.findChange({ branch, base: "main" });
      await github.writeChange({
        branch,
        createFrom: found.head === null ? main : undefined,
        commit: { parent: main, message: `Promote ${branch}`, author, files: changes },
        pullRequest: {
          base: "main",
          title: `Promote ${branch}`,
          body: changes.map((c) => `- ${c.path}`).join("\n"),
          labels: ["gantry", "env:prod"],
          author,
        },
      });
    };

    // 2. One promotion: one app's prod values file.
    const first = slugs[0] ?? "svc-00000";
    const pullRequest = await count(() =>
      open(`gantry/promote/${first}/prod`, [bump(first, "prod")]),
    );

    // 3. A train: one commit touching every app's prod values file, one pull request.
    const trainApps = slugs.slice(0, params.trainApplications);
    const trainFiles = trainApps.map((slug) => bump(slug, "prod"));
    const train = await count(() => open("gantry/train/prod/release-1.1.0", trainFiles));

    return {
      applications: params.applications,
      environments: ENVIRONMENTS.length,
      files: Object.keys(files).length,
      coldImport: { ...coldImport, applicationsRead },
      pullRequest,
      train: { ...train, applications: trainApps.length, filesChanged: trainFiles.length },
      schemaProblems: [...fake.problems],
    };
  } finally {
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
