import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import type { GitHubProvider } from "@/lib/git/github/github-provider";
import { mergePromotion } from "@/lib/promotion/merge-promotion";
import {
  isPermanentFailure,
  type OpenPullRequestStep,
  openPromotionPullRequest,
} from "@/lib/promotion/open-pull-request";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import type { PromotionContext } from "@/lib/promotion/types";
import { appFiles, CHART_YAML, ENVIRONMENTS_YAML } from "@/test/catalogue/gitops-fixture";
import { ALICE, BOB, createPeople, RecordedJobs } from "@/test/promotion/support";
import { createTestDatabase, type TestDatabase } from "@/test/support/db";
import type { FakeGitHub } from "./fake-github";
import { providerFor, startFake } from "./support";

/**
 * The promotion module's real flow (import, request, the PR job with crashes
 * injected after each step, merge) with the GitHub provider against the
 * fake GitHub, every answer checked against GitHub's OpenAPI description.
 */

class InjectedCrash extends Error {}

let fake: FakeGitHub;
let github: GitHubProvider;
let database: TestDatabase;
let ctx: PromotionContext;

beforeAll(async () => {
  ({ fake } = await startFake());
  const token = `ghp_flow${Date.now()}`;
  fake.addToken(token, "gantry-bot");
  const files: Record<string, string> = {
    "environments.yaml": ENVIRONMENTS_YAML,
    "charts/web-service/Chart.yaml": CHART_YAML,
  };
  for (let i = 0; i < 7; i++) {
    Object.assign(
      files,
      appFiles(`app-${i}`, "payments", { dev: "1.1.0", staging: "1.1.0", prod: "1.0.0" }),
    );
  }
  fake.push({ files, message: "fleet" });
  github = providerFor(fake, { type: "token", token });
  database = await createTestDatabase();
  await createPeople(database.db);
  await importCatalogue({
    db: database.db,
    git: github,
    versionPath: "image.tag",
    trigger: "test",
  });
  ctx = {
    db: database.db,
    git: github,
    jobs: new RecordedJobs(),
    versionPath: "image.tag",
    publicUrl: "https://gantry.example.com",
    mergeMethod: "squash",
  };
});

afterAll(async () => {
  await fake?.close();
  await database?.drop();
  expect(fake.problems).toEqual([]);
});

function request(app: string) {
  return requestPromotion({
    ctx,
    principal: ALICE,
    application: app,
    environment: "prod",
    reason: "Verified in staging",
  });
}

/** Branches, commits on them beyond main, and pull requests for a promotion's branch, on the fake. */
function artefacts(branch: string) {
  const head = fake.refs.get(`refs/heads/${branch}`);
  const main = fake.refs.get("refs/heads/main") ?? "";
  let commits = 0;
  for (let sha = head; sha && sha !== main; sha = fake.commit(sha).parents[0]) commits++;
  return {
    branches: head ? 1 : 0,
    commits,
    pullRequests: fake.pulls.filter((p) => p.head === branch).length,
  };
}

describe("promotion on GitHub (fake)", () => {
  it("opens one pull request whose one commit changes exactly the version line", async () => {
    const { promotion } = await request("app-0");
    github.resetApiCallCounts();
    const result = await openPromotionPullRequest({ ctx, promotionId: promotion.id });
    expect(result.state).toBe("pr_open");
    expect(artefacts(promotion.branch)).toEqual({ branches: 1, commits: 1, pullRequests: 1 });

    const head = fake.refs.get(`refs/heads/${promotion.branch}`) ?? "";
    const commit = fake.commit(head);
    // GraphQL's createCommitOnBranch makes Gantry's identity the author; the person is a co-author.
    expect(commit.author.name).toBe("gantry-bot");
    expect(commit.message).toContain(`Co-authored-by: ${ALICE.name} <${ALICE.email}>`);
    const before = fake.files(commit.parents[0] ?? "");
    const after = fake.files(head);
    const changed = [...after].filter(([path, content]) => before.get(path) !== content);
    expect(changed.map(([path]) => path)).toEqual(["apps/app-0/envs/prod/values.yaml"]);
    const oldLines = (before.get("apps/app-0/envs/prod/values.yaml") ?? "").split("\n");
    const newLines = (after.get("apps/app-0/envs/prod/values.yaml") ?? "").split("\n");
    expect(newLines.filter((line, i) => line !== oldLines[i])).toHaveLength(1);
    expect(fake.pulls.find((p) => p.head === promotion.branch)?.labels.length).toBeGreaterThan(0);
    // What one promotion's job costs on GitHub: one query (is there a branch, a pull request?),
    // one request carrying createRef, createCommitOnBranch and createPullRequest, and the labels.
    // The values file is read from the snapshot the plan made. (It was 12 calls, 7 of them
    // writes, then 6.)
    const counts = github.apiCallCounts();
    expect(counts.byOperation).toEqual({ findChange: 1, writeChange: 2 });
    expect(counts.total).toBe(3);
    // The query is a read; the mutations' request and the labels' are paced as writes.
    expect(counts.writes).toBe(2);
    expect(fake.graphqlMutations.slice(-3)).toEqual([
      "createRef",
      "createCommitOnBranch",
      "createPullRequest",
    ]);
  });

  it.each<[OpenPullRequestStep, string]>([
    ["branch", "app-1"],
    ["commit", "app-2"],
    ["pull_request", "app-3"],
    ["recorded", "app-4"],
  ])("a crash after the %s step and a rerun still make exactly one of each", async (step, app) => {
    const { promotion } = await request(app);
    const crash = await openPromotionPullRequest({
      ctx,
      promotionId: promotion.id,
      afterStep: (reached) => {
        if (reached === step) throw new InjectedCrash(`crash after ${step}`);
      },
    }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(crash).toBeInstanceOf(InjectedCrash);
    const rerun = await openPromotionPullRequest({ ctx, promotionId: promotion.id });
    expect(rerun.state).toBe("pr_open");
    expect(artefacts(promotion.branch)).toEqual({ branches: 1, commits: 1, pullRequests: 1 });
  });

  it("the answer to the change's mutations is lost after GitHub made them: the rerun finds them and records one of each", async () => {
    const { promotion } = await request("app-6");
    fake.inject({ kind: "lost", path: /graphql$/, body: /mutation/ });
    const lost = await openPromotionPullRequest({ ctx, promotionId: promotion.id }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(isPermanentFailure(lost)).toBe(false);
    expect(artefacts(promotion.branch)).toEqual({ branches: 1, commits: 1, pullRequests: 1 });
    const rerun = await openPromotionPullRequest({ ctx, promotionId: promotion.id });
    expect(rerun.state).toBe("pr_open");
    expect(artefacts(promotion.branch)).toEqual({ branches: 1, commits: 1, pullRequests: 1 });
  });

  it("merges (squash); once the queued import runs the catalogue shows the new desired version", async () => {
    const { promotion } = await request("app-5");
    await openPromotionPullRequest({ ctx, promotionId: promotion.id });
    const result = await mergePromotion({ ctx, promotionId: promotion.id, principal: BOB });
    expect(result.promotion).toMatchObject({ state: "merged" });
    expect(fake.refs.get("refs/heads/main")).toBe(result.mergeCommit);
    expect(fake.commit(result.mergeCommit).parents).toHaveLength(1);
    // The merge queued the import; run it as the import job does.
    expect(result.catalogue).toEqual({ queued: true });
    await importCatalogue({
      db: database.db,
      git: github,
      versionPath: "image.tag",
      trigger: "test",
    });
    const target = await database.db.deploymentTarget.findFirstOrThrow({
      where: { application: { slug: "app-5" }, environment: { name: "prod" } },
    });
    expect(target.desiredVersion).toBe("1.1.0");
  });
});
