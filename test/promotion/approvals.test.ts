import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as reviews from "@/app/api/v1/promotions/[id]/reviews/route";
import * as one from "@/app/api/v1/promotions/[id]/route";
import { listPromotionEvents } from "@/lib/audit/list-promotion-events";
import { isGantryError } from "@/lib/errors";
import type { CiToken, Person } from "@/lib/identity/principal";
import { createApiToken } from "@/lib/people/create-api-token";
import { promotionApprovals } from "@/lib/promotion/approval-standing";
import {
  type ApprovalInbox,
  approvalsAwaitingCount,
  listApprovalInbox,
} from "@/lib/promotion/list-approval-inbox";
import { AUTO_MERGE_DETAIL, mergePromotion } from "@/lib/promotion/merge-promotion";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { reviewBody, reviewPromotion } from "@/lib/promotion/review-promotion";
import { appFiles } from "@/test/catalogue/gitops-fixture";
import {
  ADA,
  ALICE,
  BOB,
  CAROL,
  createPromotionWorld,
  type PromotionWorld,
  serveWorld,
} from "./support";

/**
 * Approvals given in the portal, on the local provider: they land on the
 * pull request as reviews, count against the target environment's policy
 * (four eyes, a named team, the current head, requests for changes), gate
 * the merge, and let Gantry merge by itself where the policy says so.
 */

/**
 * qa auto-merges with no approval required; staging needs one approval from
 * release-approvers and then auto-merges; prod needs two approvals.
 */
const ENVIRONMENTS = `environments:
  - name: dev
    displayName: Development
    clusters:
      - name: dev-eu-1
  - name: qa
    displayName: QA
    clusters:
      - name: qa-eu-1
    policy:
      autoMerge: true
  - name: staging
    displayName: Staging
    clusters:
      - name: staging-eu-1
    policy:
      approvals:
        count: 1
        team: release-approvers
      autoMerge: true
  - name: prod
    displayName: Production
    clusters:
      - name: prod-eu-1
    policy:
      approvals: 2
`;

/** An approver for staging in the release-approvers team. */
const RITA: Person = {
  kind: "person",
  id: "user-rita",
  name: "Rita Release",
  email: "rita@example.com",
  roles: ["approver"],
  teams: ["release-approvers"],
  approverEnvironments: ["staging"],
  breakGlass: false,
  gitLogin: null,
};

let w: PromotionWorld;
let unserve: (() => Promise<void>) | undefined;
let appCount = 0;

beforeAll(async () => {
  w = await createPromotionWorld({ apps: 1 });
  // Before anything reads the configuration: the route handlers use this world's.
  unserve = serveWorld(w);
  await w.db.user.create({
    data: {
      id: RITA.id,
      name: RITA.name,
      email: RITA.email,
      roles: ["approver"],
      teams: ["release-approvers"],
      approverEnvironments: ["staging"],
    },
  });
  const files: Record<string, string> = { "environments.yaml": ENVIRONMENTS };
  // Each test takes fresh apps (openPromotion): enough for all of them.
  for (let i = 0; i < 24; i++) {
    Object.assign(
      files,
      appFiles(`svc-${i}`, "payments", {
        dev: "2.0.0",
        qa: "1.9.0",
        staging: "1.8.0",
        prod: "1.7.0",
      }),
    );
  }
  w.repo.commit(files, "environments with policies");
  await w.importNow();
  const prod = await w.db.environment.findUniqueOrThrow({ where: { name: "prod" } });
  expect(prod.policy).toMatchObject({ approvals: { required: 2, team: null } });
});

afterAll(async () => {
  await unserve?.();
  await w?.close();
});

/** A promotion of a fresh app to `environment`, requested by `author`, with its pull request open (or merged). */
async function openPromotion(environment: "qa" | "staging" | "prod", author: Person = ALICE) {
  const app = `svc-${appCount++}`;
  const { promotion } = await requestPromotion({
    ctx: w.ctx,
    principal: author,
    application: app,
    environment,
    reason: "approvals test",
  });
  await openPromotionPullRequest({ ctx: w.ctx, promotionId: promotion.id });
  const row = await w.db.promotion.findUniqueOrThrow({ where: { id: promotion.id } });
  if (row.prNumber === null || row.headCommit === null) throw new Error("no pull request");
  return { id: row.id, app, number: row.prNumber, head: row.headCommit, branch: row.branch };
}

const approve = (promotionId: string, principal: Person, comment?: string) =>
  reviewPromotion({ ctx: w.ctx, promotionId, principal, decision: "approve", comment });

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (isGantryError(error)) return { code: error.code, message: error.message, error };
    throw error;
  }
  throw new Error("expected a refusal");
}

async function stateOf(id: string) {
  return (await w.db.promotion.findUniqueOrThrow({ where: { id } })).state;
}

describe("approving in the portal (local provider)", () => {
  it("the author cannot approve their own promotion; nothing is posted or recorded", async () => {
    const p = await openPromotion("prod");
    const refused = await refusal(approve(p.id, ALICE));
    expect(refused.code).toBe("forbidden");
    expect(refused.message).toContain("four eyes");
    expect(await w.provider.listReviews(p.number)).toEqual([]);
    expect(await w.db.approval.count({ where: { promotionId: p.id } })).toBe(0);
  });

  it("an approver of another environment, and a CI token, cannot approve", async () => {
    const p = await openPromotion("staging");
    expect((await refusal(approve(p.id, CAROL))).message).toBe(
      "you are not an approver for staging",
    );
    const ci: CiToken = {
      kind: "ci_token",
      id: "ci-1",
      name: "pipeline",
      scopes: ["promotions:write"],
    };
    const byToken = reviewPromotion({
      ctx: w.ctx,
      promotionId: p.id,
      principal: ci,
      decision: "approve",
    });
    expect((await refusal(byToken)).code).toBe("forbidden");
    expect(await w.provider.listReviews(p.number)).toEqual([]);
  });

  it("one approval of two keeps it open and says what is missing; the second approves it; both are on the pull request", async () => {
    const p = await openPromotion("prod");
    const first = await approve(p.id, BOB, "looks right");
    expect(first.promotion.state).toBe("pr_open");
    expect(first.approvals.standing).toMatchObject({
      required: 2,
      counted: 1,
      approvers: [BOB.name],
      satisfied: false,
      blockers: ["needs 1 more approval"],
    });
    expect(first.autoMerge).toEqual({ kind: "not_due" });

    const second = await approve(p.id, CAROL);
    expect(second.promotion.state).toBe("approved");
    expect(second.approvals.standing).toMatchObject({ counted: 2, satisfied: true, blockers: [] });
    expect(second.promotion.approvedAt).not.toBeNull();

    const onPullRequest = await w.provider.listReviews(p.number);
    expect(onPullRequest.map((r) => [r.reviewer, r.state, r.commitSha, r.body])).toEqual([
      [BOB.email, "approved", p.head, reviewBody("approve", BOB, "looks right")],
      [CAROL.email, "approved", p.head, reviewBody("approve", CAROL, "")],
    ]);
    const rows = await w.db.approval.findMany({
      where: { promotionId: p.id },
      orderBy: { createdAt: "asc" },
    });
    expect(rows.map((r) => [r.userId, r.source, r.headCommit, r.reviewId, r.comment])).toEqual([
      [BOB.id, "portal", p.head, onPullRequest[0]?.id, "looks right"],
      [CAROL.id, "portal", p.head, onPullRequest[1]?.id, ""],
    ]);
    const audit = await w.db.auditEvent.findMany({
      where: { promotionId: p.id, action: "approval.given" },
      orderBy: { sequence: "asc" },
    });
    expect(audit.map((e) => e.actorId)).toEqual([BOB.id, CAROL.id]);

    const events = (await listPromotionEvents({ db: w.db, promotionId: p.id })).filter(
      (e) => e.toState === "approved",
    );
    expect(events.map((e) => [e.actor.name, e.detail])).toEqual([
      [CAROL.name, `approved by ${CAROL.name} in Gantry (2 of 2 required approvals)`],
    ]);
  });

  it("a request for changes needs a comment, blocks the merge, and is lifted when that person approves", async () => {
    const p = await openPromotion("prod");
    await approve(p.id, BOB);
    await approve(p.id, CAROL);
    expect(await stateOf(p.id)).toBe("approved");

    const noComment = await refusal(
      reviewPromotion({
        ctx: w.ctx,
        promotionId: p.id,
        principal: ADA,
        decision: "request_changes",
      }),
    );
    expect(noComment).toMatchObject({
      code: "bad_request",
      message: "comment: say what should change",
    });

    const blocked = await reviewPromotion({
      ctx: w.ctx,
      promotionId: p.id,
      principal: ADA,
      decision: "request_changes",
      comment: "wait for the freeze to end",
    });
    expect(blocked.promotion.state).toBe("pr_open");
    expect(blocked.approvals.standing.blockers).toEqual([`changes requested by ${ADA.name}`]);
    const merge = await refusal(
      mergePromotion({ ctx: w.ctx, promotionId: p.id, principal: ALICE }),
    );
    expect(merge.code).toBe("conflict");
    expect(merge.message).toBe(
      `the prod policy is not satisfied yet: changes requested by ${ADA.name}`,
    );
    expect(
      await w.db.auditEvent.count({
        where: { promotionId: p.id, action: "approval.changes_requested", actorId: ADA.id },
      }),
    ).toBe(1);
    expect((await w.provider.listReviews(p.number)).at(-1)).toMatchObject({
      state: "changes_requested",
      body: reviewBody("request_changes", ADA, "wait for the freeze to end"),
    });

    const lifted = await approve(p.id, ADA);
    expect(lifted.promotion.state).toBe("approved");
    expect(lifted.approvals.standing).toMatchObject({ counted: 3, satisfied: true });
  });

  it("the merge is refused with the blockers in words until the policy is satisfied, then merges", async () => {
    const p = await openPromotion("prod");
    const none = await refusal(mergePromotion({ ctx: w.ctx, promotionId: p.id, principal: ALICE }));
    expect(none.code).toBe("conflict");
    expect(none.message).toBe("the prod policy is not satisfied yet: needs 2 more approvals");
    expect(none.error.details).toEqual({ blockers: ["needs 2 more approvals"] });
    await approve(p.id, BOB);
    expect(
      (await refusal(mergePromotion({ ctx: w.ctx, promotionId: p.id, principal: ALICE }))).message,
    ).toBe("the prod policy is not satisfied yet: needs 1 more approval");
    expect((await w.provider.getPullRequest(p.number)).state).toBe("open");

    await approve(p.id, CAROL);
    const merged = await mergePromotion({ ctx: w.ctx, promotionId: p.id, principal: ALICE });
    expect(merged.promotion.state).toBe("merged");
    expect(w.jobs.catalogueImports.at(-1)).toMatch(/^pull request #\d+ merged as [0-9a-f]{12}$/);
    await w.importNow(); // what the queued import job runs
    const target = await w.db.deploymentTarget.findFirstOrThrow({
      where: { application: { slug: p.app }, environment: { name: "prod" } },
    });
    expect(target.desiredVersion).toBe("1.8.0");
  });

  it("new commits on the branch: approvals of Gantry's commit no longer count, reviews and merge are refused", async () => {
    const p = await openPromotion("prod");
    await approve(p.id, BOB);
    // Someone pushes to the promotion's branch behind Gantry's back.
    const pushed = await w.provider.commitFiles({
      branch: p.branch,
      parent: p.head,
      message: "sneak in a change",
      author: { name: "Mallory", email: "mallory@example.com" },
      files: [{ path: `apps/${p.app}/envs/prod/values.yaml`, content: "image:\n  tag: evil\n" }],
    });
    const standing = await promotionApprovals({ db: w.db, promotionId: p.id, liveHead: pushed });
    expect(standing.standing.counted).toBe(0);
    expect(standing.standing.blockers[0]).toContain(
      `the pull request has new commits (head ${pushed.slice(0, 12)})`,
    );
    expect(standing.reviews.map((r) => r.current)).toEqual([false]);

    const review = await refusal(approve(p.id, CAROL));
    expect(review).toMatchObject({ code: "conflict" });
    expect(review.message).toContain("has new commits");
    const merge = await refusal(
      mergePromotion({ ctx: w.ctx, promotionId: p.id, principal: ALICE }),
    );
    expect(merge.message).toContain("the pull request has new commits");
    expect(await w.db.approval.count({ where: { promotionId: p.id } })).toBe(1);
  });

  it("a team-restricted policy counts only that team's approvals; once satisfied, Gantry merges by itself", async () => {
    const p = await openPromotion("staging");
    const outsider = await approve(p.id, BOB);
    expect(outsider.promotion.state).toBe("pr_open");
    expect(outsider.approvals.standing).toMatchObject({
      counted: 0,
      blockers: ["needs 1 more approval from release-approvers"],
    });
    expect(outsider.autoMerge).toEqual({ kind: "not_due" });

    const member = await approve(p.id, RITA);
    expect(member.autoMerge).toMatchObject({ kind: "merged" });
    expect(member.promotion.state).toBe("merged");
    const events = await listPromotionEvents({ db: w.db, promotionId: p.id });
    expect(events.map((e) => e.toState)).toEqual(["planned", "pr_open", "approved", "merged"]);
    expect(events.at(-1)?.actor.name).toBe("Gantry");
    expect(events.at(-1)?.detail).toMatch(new RegExp(`^${AUTO_MERGE_DETAIL}; pull request #`));
    expect((await w.provider.getPullRequest(p.number)).state).toBe("merged");
    await w.importNow(); // what the queued import job runs
    const target = await w.db.deploymentTarget.findFirstOrThrow({
      where: { application: { slug: p.app }, environment: { name: "staging" } },
    });
    expect(target.desiredVersion).toBe("1.9.0");
  });

  it("with auto-merge and no approval required, the pull request merges as soon as it is open", async () => {
    const p = await openPromotion("qa");
    expect(await stateOf(p.id)).toBe("merged");
    const merges = async () =>
      (await listPromotionEvents({ db: w.db, promotionId: p.id })).filter(
        (e) => e.toState === "merged",
      );
    const last = (await merges())[0];
    expect(last?.actor.name).toBe("Gantry");
    expect(last?.detail).toContain(AUTO_MERGE_DETAIL);
    // A rerun of the job (a retry) merges nothing twice.
    await openPromotionPullRequest({ ctx: w.ctx, promotionId: p.id });
    expect(await merges()).toHaveLength(1);
  });

  it("a retry after a crash between posting and recording finds the posted review instead of posting another", async () => {
    const p = await openPromotion("prod");
    // The first attempt posted this review and crashed before recording it.
    const posted = await w.provider.submitReview({
      number: p.number,
      reviewer: { name: BOB.name, email: BOB.email },
      decision: "approve",
      body: reviewBody("approve", BOB, "ship it"),
    });
    const retried = await approve(p.id, BOB, "ship it");
    expect(retried.reviewId).toBe(posted.id);
    expect(await w.provider.listReviews(p.number)).toHaveLength(1);

    // The same words again later are a new review, not the recorded one.
    const again = await approve(p.id, BOB, "ship it");
    expect(again.reviewId).not.toBe(posted.id);
    expect(await w.provider.listReviews(p.number)).toHaveLength(2);
    expect(again.approvals.standing.counted).toBe(1);
  });
});

describe("the approvals inbox", () => {
  it("lists what the person may approve, oldest first, never their own, with what they did", async () => {
    const byAlice = await openPromotion("prod");
    const byAda = await openPromotion("prod", ADA);
    // A CI pipeline's promotion (no person asked for it) needs approvers too.
    const pipeline: CiToken = {
      kind: "ci_token",
      id: "ci-pipeline",
      name: "pipeline",
      scopes: ["promotions:write"],
    };
    const { promotion: byPipeline } = await requestPromotion({
      ctx: w.ctx,
      principal: pipeline,
      application: `svc-${appCount++}`,
      environment: "prod",
      reason: "from CI",
    });
    await openPromotionPullRequest({ ctx: w.ctx, promotionId: byPipeline.id });
    const staging = await openPromotion("staging");
    await approve(byAlice.id, BOB);

    const ids = (inbox: ApprovalInbox) => inbox.items.map((item) => item.promotion.id);
    const bob = await listApprovalInbox({ db: w.db, principal: BOB });
    expect(ids(bob)).toEqual(
      expect.arrayContaining([byAlice.id, byAda.id, byPipeline.id, staging.id]),
    );
    const order = ids(bob);
    expect(order.indexOf(byAlice.id)).toBeLessThan(order.indexOf(byAda.id));
    expect(order.indexOf(byAda.id)).toBeLessThan(order.indexOf(byPipeline.id));
    const mine = bob.items.find((item) => item.promotion.id === byAlice.id);
    expect(mine).toMatchObject({ yourReview: "approve", awaitingYou: false });
    expect(mine?.approvals.standing.blockers).toEqual(["needs 1 more approval"]);
    expect(mine?.planDiff).toContain("+");
    expect(bob.items.find((item) => item.promotion.id === byAda.id)).toMatchObject({
      yourReview: null,
      awaitingYou: true,
    });
    // Carol approves for prod only; Ada never sees her own; Alice approves nothing.
    expect(ids(await listApprovalInbox({ db: w.db, principal: CAROL }))).not.toContain(staging.id);
    const ada = await listApprovalInbox({ db: w.db, principal: ADA });
    expect(ids(ada)).toContain(byAlice.id);
    expect(ids(ada)).not.toContain(byAda.id);
    expect(await listApprovalInbox({ db: w.db, principal: ALICE })).toEqual({
      items: [],
      awaitingYou: 0,
      truncated: false,
    });
    expect(await approvalsAwaitingCount({ db: w.db, person: ALICE })).toBeNull();
    expect(await approvalsAwaitingCount({ db: w.db, person: BOB })).toBe(bob.awaitingYou);
    // The header's count is its own query: the same answer as each person's inbox.
    for (const person of [CAROL, ADA]) {
      const inbox = await listApprovalInbox({ db: w.db, principal: person });
      expect(await approvalsAwaitingCount({ db: w.db, person })).toBe(inbox.awaitingYou);
    }
    expect(ada.awaitingYou).toBeGreaterThan(0);
  });
});

describe("POST /api/v1/promotions/{id}/reviews", () => {
  const post = (id: string, token: string | null, body: unknown) => {
    const headers = new Headers({ "content-type": "application/json" });
    if (token) headers.set("authorization", `Bearer ${token}`);
    return reviews.POST(
      new Request(`http://gantry.test/api/v1/promotions/${id}/reviews`, {
        method: "POST",
        headers,
        body: JSON.stringify(body),
      }),
      { params: Promise.resolve({ id }) },
    );
  };

  it("refuses the author (403) and a signed-out caller (401), names a wrong field, and records an approver's review", async () => {
    const p = await openPromotion("prod");
    const alice = await createApiToken({
      db: w.db,
      acting: ALICE,
      kind: "personal",
      name: "alice",
    });
    const bob = await createApiToken({ db: w.db, acting: BOB, kind: "personal", name: "bob" });

    const own = await post(p.id, alice.token, { decision: "approve" });
    expect(own.status).toBe(403);
    // An admin may approve anything, except what they asked for themselves.
    const adas = await openPromotion("prod", ADA);
    const ada = await createApiToken({ db: w.db, acting: ADA, kind: "personal", name: "ada" });
    const ownByAdmin = await post(adas.id, ada.token, { decision: "approve" });
    expect(ownByAdmin.status).toBe(403);
    expect(((await ownByAdmin.json()) as { error: { message: string } }).error.message).toBe(
      "you asked for this promotion, so someone else must approve it (four eyes)",
    );
    expect(await w.db.approval.count({ where: { promotionId: adas.id } })).toBe(0);
    expect((await post(p.id, null, { decision: "approve" })).status).toBe(401);

    const wrong = await post(p.id, bob.token, { decision: "lgtm" });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toBe(
      'decision: expected "approve" or "request_changes"',
    );
    const noComment = await post(p.id, bob.token, { decision: "request_changes" });
    expect(noComment.status).toBe(400);

    const ok = await post(p.id, bob.token, { decision: "approve", comment: "fine by me" });
    expect(ok.status).toBe(201);
    const body = (await ok.json()) as {
      promotion: { state: string };
      approvals: { standing: { counted: number; blockers: string[] } };
    };
    expect(body.promotion.state).toBe("pr_open");
    expect(body.approvals.standing).toMatchObject({
      counted: 1,
      blockers: ["needs 1 more approval"],
    });
    expect(await w.provider.listReviews(p.number)).toHaveLength(1);

    // The promotion's JSON carries its reviews and its standing.
    const read = await one.GET(
      new Request(`http://gantry.test/api/v1/promotions/${p.id}`, {
        headers: { authorization: `Bearer ${alice.token}` },
      }),
      { params: Promise.resolve({ id: p.id }) },
    );
    expect(read.status).toBe(200);
    const promotion = (await read.json()) as {
      approvals: {
        policy: { required: number };
        standing: { satisfied: boolean; blockers: string[] };
        reviews: {
          reviewer: { name: string };
          decision: string;
          comment: string;
          source: string;
        }[];
      };
    };
    expect(promotion.approvals.policy.required).toBe(2);
    expect(promotion.approvals.standing.blockers).toEqual(["needs 1 more approval"]);
    expect(promotion.approvals.reviews).toMatchObject([
      {
        reviewer: { name: BOB.name },
        decision: "approve",
        comment: "fine by me",
        source: "portal",
      },
    ]);
  });
});
