import type { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listPromotionEvents } from "@/lib/audit/list-promotion-events";
import { ChangeListener } from "@/lib/events/change-listener";
import type { ChangeEvent } from "@/lib/events/changes";
import type { GitHubEvent } from "@/lib/git/github/webhook";
import { JOBS_SCHEMA, QUEUES, startBoss } from "@/lib/jobs/boss";
import type { CatalogueImportJob } from "@/lib/jobs/catalogue-jobs";
import { pgBossPromotionJobs } from "@/lib/jobs/promotion-jobs";
import { startRepositoryWorkers } from "@/lib/jobs/worker";
import type { HostChangeContext } from "@/lib/promotion/apply-host-change";
import { closePromotion } from "@/lib/promotion/close-promotion";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { ALICE, applyGitHubEvent, BOB, createPromotionWorld, type PromotionWorld } from "./support";

/**
 * GitHub's deliveries, as a delivery's job applies them (`applyHostChange`),
 * against promotions whose pull requests live in the local repository
 * (applying needs only the database and the repository: which host does
 * not matter).
 */

const OTHER_SHA = "0123456789abcdef0123456789abcdef01234567";

let w: PromotionWorld;
let boss: PgBoss;
let ctx: HostChangeContext;

beforeAll(async () => {
  w = await createPromotionWorld({ apps: 6 });
  boss = await startBoss(w.url, { spies: true });
  ctx = { ...w.ctx, jobs: pgBossPromotionJobs(boss) };
});

afterAll(async () => {
  await boss?.stop({ graceful: false, close: true });
  await w?.close();
});

/** A promotion of `app` to prod with its pull request open. */
async function openPromotion(app: string) {
  const { promotion } = await requestPromotion({
    ctx: w.ctx,
    principal: ALICE,
    application: app,
    environment: "prod",
    reason: "webhook test",
  });
  await openPromotionPullRequest({ ctx: w.ctx, promotionId: promotion.id });
  const row = await w.db.promotion.findUniqueOrThrow({ where: { id: promotion.id } });
  if (row.prNumber === null || row.headCommit === null) throw new Error("no pull request");
  return { id: row.id, number: row.prNumber, head: row.headCommit, branch: row.branch };
}

function pullRequestEvent(
  p: { number: number; head: string; branch: string },
  action: string,
  pr: { state: "open" | "closed"; merged?: boolean; mergeCommitSha?: string; headSha?: string },
): GitHubEvent {
  return {
    type: "pull_request",
    action,
    repository: "acme/gitops",
    pullRequest: {
      number: p.number,
      state: pr.state,
      merged: pr.merged ?? false,
      mergeCommitSha: pr.mergeCommitSha ?? null,
      head: p.branch,
      headSha: pr.headSha ?? p.head,
      base: "main",
    },
  };
}

let lastReviewId = 0;

/** A review event; each submitted review gets an id of its own, as on GitHub (`id` names an earlier one). */
function reviewEvent(
  p: { number: number },
  action: string,
  state: string,
  commitSha: string | null,
  id = ++lastReviewId,
): GitHubEvent {
  return {
    type: "pull_request_review",
    action,
    repository: "acme/gitops",
    pullRequestNumber: p.number,
    review: { id, state, reviewer: "bob", commitSha },
  };
}

async function stateOf(id: string) {
  const row = await w.db.promotion.findUniqueOrThrow({ where: { id } });
  const events = await listPromotionEvents({ db: w.db, promotionId: id });
  return { state: row.state, events: events.length, row };
}

/** Handles `event` twice: the second time must change nothing. */
async function deliverTwice(event: GitHubEvent, promotionId: string) {
  const first = await applyGitHubEvent(ctx, event);
  const after = await stateOf(promotionId);
  const second = await applyGitHubEvent(ctx, event);
  const replayed = await stateOf(promotionId);
  expect(replayed.state).toBe(after.state);
  expect(replayed.events).toBe(after.events);
  expect(second.promotions.every((p) => !p.changed)).toBe(true);
  expect(second.catalogue).toBe("none");
  return { first, after };
}

describe("GitHub events move promotions", () => {
  it("merged: records the merge and the catalogue shows the new version; a replay changes nothing", async () => {
    const p = await openPromotion("app-0");
    // Merged on the host, not through Gantry.
    const { sha } = await w.provider.mergePullRequest({
      number: p.number,
      expectedHeadSha: p.head,
      method: "merge",
      message: "merge on the host",
      mergedBy: BOB,
    });
    const event = pullRequestEvent(p, "closed", {
      state: "closed",
      merged: true,
      mergeCommitSha: sha,
    });
    const { first, after } = await deliverTwice(event, p.id);
    expect(first.catalogue).toBe("queued");
    await w.importNow(); // what the queued job runs (the last test runs it through the worker)
    expect(after.state).toBe("merged");
    expect(after.row.mergeCommit).toBe(sha);
    expect(after.row.mergedAt).not.toBeNull();
    const target = await w.db.deploymentTarget.findFirstOrThrow({
      where: { application: { slug: "app-0" }, environment: { name: "prod" } },
    });
    expect(target.desiredVersion).toBe("1.1.0");
  });

  it("closed without merge: closed; a replay changes nothing", async () => {
    const p = await openPromotion("app-1");
    await w.provider.closePullRequest(p.number);
    const { after } = await deliverTwice(pullRequestEvent(p, "closed", { state: "closed" }), p.id);
    expect(after.state).toBe("closed");
    expect(after.row.endedAt).not.toBeNull();
  });

  it("approved on the head → approved; new commits → pr_open; changes requested → pr_open", async () => {
    const p = await openPromotion("app-2");

    // An approval of another commit does not count.
    await applyGitHubEvent(ctx, reviewEvent(p, "submitted", "approved", OTHER_SHA));
    expect((await stateOf(p.id)).state).toBe("pr_open");

    const approved = await deliverTwice(reviewEvent(p, "submitted", "approved", p.head), p.id);
    expect(approved.after.state).toBe("approved");
    expect(approved.after.row.approvedAt).not.toBeNull();

    const pushed = pullRequestEvent(p, "synchronize", { state: "open", headSha: OTHER_SHA });
    expect((await deliverTwice(pushed, p.id)).after.state).toBe("pr_open");

    await applyGitHubEvent(ctx, reviewEvent(p, "submitted", "approved", p.head));
    expect((await stateOf(p.id)).state).toBe("approved");
    const blocked = reviewEvent(p, "submitted", "changes_requested", p.head);
    expect((await deliverTwice(blocked, p.id)).after.state).toBe("pr_open");

    // A dismissed approval, and a comment, leave an open promotion open.
    await applyGitHubEvent(ctx, reviewEvent(p, "submitted", "approved", p.head));
    expect((await stateOf(p.id)).state).toBe("approved");
    await deliverTwice(reviewEvent(p, "dismissed", "dismissed", p.head, lastReviewId), p.id);
    expect((await stateOf(p.id)).state).toBe("pr_open");
    await deliverTwice(reviewEvent(p, "submitted", "commented", p.head), p.id);
    expect((await stateOf(p.id)).state).toBe("pr_open");
  });

  it("a promotion that has left review is not moved by late deliveries, and nothing throws", async () => {
    const p = await openPromotion("app-3");
    await closePromotion({ ctx: w.ctx, promotionId: p.id, principal: ALICE, reason: "not needed" });
    const before = await stateOf(p.id);
    for (const event of [
      pullRequestEvent(p, "closed", { state: "closed" }),
      pullRequestEvent(p, "closed", { state: "closed", merged: true, mergeCommitSha: OTHER_SHA }),
      pullRequestEvent(p, "synchronize", { state: "open", headSha: OTHER_SHA }),
      reviewEvent(p, "submitted", "approved", p.head),
      reviewEvent(p, "submitted", "changes_requested", p.head),
    ]) {
      const outcome = await applyGitHubEvent(ctx, event);
      expect(outcome.promotions).toEqual([{ promotionId: p.id, changed: false, state: "closed" }]);
    }
    expect(await stateOf(p.id)).toMatchObject({ state: before.state, events: before.events });
  });

  it("events for unknown pull requests, other repositories, checks and statuses change nothing", async () => {
    const unknown = pullRequestEvent({ number: 9999, head: OTHER_SHA, branch: "x" }, "closed", {
      state: "closed",
    });
    const nothing = { promotions: [], catalogue: "none", retryLater: false };
    expect(await applyGitHubEvent(ctx, unknown)).toEqual(nothing);
    const elsewhere: GitHubEvent = {
      type: "push",
      repository: "acme/other",
      ref: "refs/heads/main",
      before: OTHER_SHA,
      after: OTHER_SHA,
    };
    expect(await applyGitHubEvent(ctx, elsewhere)).toEqual(nothing);
    const status: GitHubEvent = {
      type: "status",
      repository: "acme/gitops",
      sha: OTHER_SHA,
      state: "success",
      context: "ci",
      targetUrl: null,
    };
    expect(await applyGitHubEvent(ctx, status)).toEqual(nothing);
  });

  it("a check that changed on a promotion's head tells the pages showing it to read it again", async () => {
    const p = await openPromotion("app-4");
    const other = await openPromotion("app-5");
    const listener = new ChangeListener({ connectionString: w.url });
    const heard: ChangeEvent[] = [];
    let done: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => {
      done = resolve;
    });
    await listener.subscribe({
      onChange: (event) => {
        heard.push(event);
        if (event.kind === "promotion" && event.promotionId === p.id) done();
      },
    });
    try {
      const checkSuite: GitHubEvent = {
        type: "check_suite",
        action: "completed",
        repository: "acme/gitops",
        headSha: p.head,
        status: "completed",
        conclusion: "success",
      };
      expect(await applyGitHubEvent(ctx, checkSuite)).toMatchObject({ promotions: [] });
      await arrived;
      expect(heard).toContainEqual(
        expect.objectContaining({ kind: "promotion", promotionId: p.id }),
      );
      // Only the promotion whose head it was.
      expect(heard.some((e) => e.kind === "promotion" && e.promotionId === other.id)).toBe(false);
    } finally {
      await listener.close();
    }
  });

  it("pushes to the default branch queue one coalesced import, which the worker runs", async () => {
    const push = (ref: string): GitHubEvent => ({
      type: "push",
      repository: "acme/gitops",
      ref,
      before: OTHER_SHA,
      after: OTHER_SHA,
    });
    expect((await applyGitHubEvent(ctx, push("refs/heads/feature"))).catalogue).toBe("none");
    for (let i = 0; i < 3; i++) {
      expect((await applyGitHubEvent(ctx, push("refs/heads/main"))).catalogue).toBe("queued");
    }
    const queued = await w.db.$queryRawUnsafe<{ count: bigint }[]>(
      `SELECT count(*) AS count FROM ${JOBS_SCHEMA}.job WHERE name = $1 AND state = 'created'`,
      QUEUES.catalogueImport,
    );
    expect(Number(queued[0]?.count)).toBe(1);

    const importsBefore = await w.db.catalogImport.count({
      where: { trigger: "webhook", status: "succeeded" },
    });
    // What the pushes brought: a head the catalogue has not imported yet.
    const head = await w.ctx.git.commitFiles({
      branch: "main",
      parent: await w.ctx.git.resolveRef("main"),
      message: "A push to main",
      author: { name: "Pusher", email: "pusher@example.com" },
      files: [{ path: "README.md", content: "pushed\n" }],
    });
    const spy = boss.getSpy<CatalogueImportJob>(QUEUES.catalogueImport);
    await startRepositoryWorkers({ boss, ctx: w.ctx, pollingIntervalSeconds: 0.5 });
    await spy.waitForJob(() => true, "completed");
    const runs = await w.db.catalogImport.findMany({
      where: { trigger: "webhook", status: "succeeded" },
      orderBy: { startedAt: "asc" },
    });
    expect(runs.length).toBe(importsBefore + 1);
    expect(runs.at(-1)?.commit).toBe(head);
  });
});
