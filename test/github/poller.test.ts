import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listPromotionEvents } from "@/lib/audit/list-promotion-events";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import type { GitHubProvider } from "@/lib/git/github/github-provider";
import { POLL_PULL_REQUESTS_CRON, QUEUES, startBoss } from "@/lib/jobs/boss";
import { startRepositoryWorkers } from "@/lib/jobs/worker";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { type PullRequestEtags, pollPullRequests } from "@/lib/promotion/poll-pull-requests";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import type { PromotionContext } from "@/lib/promotion/types";
import { appFiles, CHART_YAML, ENVIRONMENTS_YAML } from "@/test/catalogue/gitops-fixture";
import { ALICE, BOB, createPeople, RecordedJobs } from "@/test/promotion/support";
import { createTestDatabase, type TestDatabase } from "@/test/support/db";
import type { FakeGitHub } from "./fake-github";
import { providerFor, startFake } from "./support";

/**
 * The poller against the fake GitHub: pull requests changed on the host with
 * no webhook delivery still move their promotions, and unchanged ones are
 * read with If-None-Match and answered 304.
 */

let fake: FakeGitHub;
let github: GitHubProvider;
/** Another GitHub user, who merges, reviews and closes on the host. */
let someone: GitHubProvider;
let database: TestDatabase;
let ctx: PromotionContext;
const etags: PullRequestEtags = new Map();

beforeAll(async () => {
  ({ fake } = await startFake());
  const token = `ghp_poll${Date.now()}`;
  fake.addToken(token, "gantry-bot");
  const other = `ghp_bob${Date.now()}`;
  fake.addToken(other, "bob");
  const files: Record<string, string> = {
    "environments.yaml": ENVIRONMENTS_YAML,
    "charts/web-service/Chart.yaml": CHART_YAML,
  };
  for (let i = 0; i < 3; i++) {
    Object.assign(
      files,
      appFiles(`app-${i}`, "payments", { dev: "1.1.0", staging: "1.1.0", prod: "1.0.0" }),
    );
  }
  fake.push({ files, message: "fleet" });
  github = providerFor(fake, { type: "token", token });
  someone = providerFor(fake, { type: "token", token: other });
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
    mergeMethod: "merge",
  };
});

afterAll(async () => {
  await fake?.close();
  await database?.drop();
  expect(fake.problems).toEqual([]);
});

async function openPromotion(app: string) {
  const { promotion } = await requestPromotion({
    ctx,
    principal: ALICE,
    application: app,
    environment: "prod",
    reason: "poller test",
  });
  await openPromotionPullRequest({ ctx, promotionId: promotion.id });
  const row = await database.db.promotion.findUniqueOrThrow({ where: { id: promotion.id } });
  if (row.prNumber === null || row.headCommit === null) throw new Error("no pull request");
  return { id: row.id, number: row.prNumber, head: row.headCommit };
}

async function stateOf(id: string) {
  return (await database.db.promotion.findUniqueOrThrow({ where: { id } })).state;
}

/** The fake's answers to reads of pull request `number` since request index `from`. */
function pullReads(number: number, from: number) {
  return fake.requests
    .slice(from)
    .filter((r) => r.method === "GET" && r.path.endsWith(`/pulls/${number}`))
    .map((r) => ({ status: r.status, conditional: r.ifNoneMatch !== undefined }));
}

describe("pull request poller (fake GitHub)", () => {
  it("moves promotions whose pull requests changed with no webhook, and reads the rest with 304s", async () => {
    const merging = await openPromotion("app-0");
    const waiting = await openPromotion("app-1");

    // First poll: nothing changed on the host; both read in full and remembered.
    let from = fake.requests.length;
    const first = await pollPullRequests({ ctx, etags });
    expect(first).toMatchObject({ checked: 2, notModified: 0, moved: [], failed: 0 });
    expect(pullReads(waiting.number, from)).toEqual([{ status: 200, conditional: false }]);

    // Approved and merged on GitHub by someone else; the webhook deliveries never arrive.
    await someone.submitReview({
      number: waiting.number,
      reviewer: BOB,
      decision: "approve",
      body: "fine",
    });
    const { sha } = await someone.mergePullRequest({
      number: merging.number,
      expectedHeadSha: merging.head,
      method: "merge",
      message: "merged on GitHub",
      mergedBy: BOB,
    });
    from = fake.requests.length;
    const second = await pollPullRequests({ ctx, etags });
    expect(second.moved).toEqual(
      expect.arrayContaining([
        { promotionId: merging.id, changed: true, state: "merged" },
        { promotionId: waiting.id, changed: true, state: "approved" },
      ]),
    );
    expect(second.moved).toHaveLength(2);
    expect(second).toMatchObject({ checked: 2, failed: 0 });
    expect(pullReads(merging.number, from)).toEqual([{ status: 200, conditional: true }]);
    // The other one's base branch moved with the merge, so it too is read anew (200), with its
    // reviews: the approval of its head counts. (Reviews are read only when the pull request
    // changed: GitHub documents no 304 for the review list.)
    expect(pullReads(waiting.number, from)).toEqual([{ status: 200, conditional: true }]);
    const row = await database.db.promotion.findUniqueOrThrow({ where: { id: merging.id } });
    expect(row.mergeCommit).toBe(sha);
    // The merge queued the catalogue import; run it as the import job does.
    if (!(ctx.jobs instanceof RecordedJobs)) throw new Error("expected the recorded jobs");
    expect(ctx.jobs.catalogueImports.at(-1)).toMatch(/^pull request #\d+ merged$/);
    await importCatalogue({
      db: database.db,
      git: github,
      versionPath: "image.tag",
      trigger: "test",
    });
    const target = await database.db.deploymentTarget.findFirstOrThrow({
      where: { application: { slug: "app-0" }, environment: { name: "prod" } },
    });
    expect(target.desiredVersion).toBe("1.1.0");

    // Third poll: only the open one is read, conditionally, and it is unchanged: a 304.
    from = fake.requests.length;
    const third = await pollPullRequests({ ctx, etags });
    expect(third).toMatchObject({ checked: 1, notModified: 1, moved: [] });
    expect(pullReads(waiting.number, from)).toEqual([{ status: 304, conditional: true }]);
    expect(pullReads(merging.number, from)).toEqual([]);
    expect(await stateOf(waiting.id)).toBe("approved");
  });

  it("a pull request closed on GitHub closes its promotion; polling again changes nothing", async () => {
    const closing = await openPromotion("app-2");
    await pollPullRequests({ ctx, etags });
    await someone.closePullRequest(closing.number);
    const polled = await pollPullRequests({ ctx, etags });
    expect(polled.moved).toEqual([{ promotionId: closing.id, changed: true, state: "closed" }]);
    expect(await stateOf(closing.id)).toBe("closed");
    const history = () => listPromotionEvents({ db: database.db, promotionId: closing.id });
    const events = (await history()).length;
    const again = await pollPullRequests({ ctx, etags });
    expect(again.moved).toEqual([]);
    expect(await history()).toHaveLength(events);
  });

  it("the job runner schedules the poll every minute on the GitHub provider", async () => {
    const boss = await startBoss(database.url);
    try {
      await startRepositoryWorkers({ boss, ctx });
      const schedules = await boss.getSchedules(QUEUES.pollPullRequests);
      expect(schedules.map((schedule) => schedule.cron)).toEqual([POLL_PULL_REQUESTS_CRON]);
    } finally {
      await boss.stop({ graceful: false, close: true });
    }
  });
});
