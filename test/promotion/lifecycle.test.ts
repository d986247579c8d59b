import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { listPromotionEvents } from "@/lib/audit/list-promotion-events";
import { GantryError } from "@/lib/errors";
import { LocalGitProvider } from "@/lib/git/local/local-provider";
import { OPEN_PULL_REQUEST_RETRIES } from "@/lib/jobs/boss";
import { runOpenPullRequestJob } from "@/lib/jobs/worker";
import { closePromotion } from "@/lib/promotion/close-promotion";
import { getPromotion } from "@/lib/promotion/get-promotion";
import { listPromotions } from "@/lib/promotion/list-promotions";
import { mergePromotion } from "@/lib/promotion/merge-promotion";
import {
  type OpenPullRequestStep,
  openPromotionPullRequest,
} from "@/lib/promotion/open-pull-request";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { retryPromotion } from "@/lib/promotion/retry-promotion";
import {
  ALICE,
  BOB,
  CAROL,
  createPromotionWorld,
  DAN,
  OSCAR,
  type PromotionWorld,
  VICKY,
} from "./support";

async function rejection(promise: Promise<unknown>): Promise<GantryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GantryError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

class InjectedCrash extends Error {}

describe("promotion lifecycle on the local provider", () => {
  let w: PromotionWorld;

  // A world of its own for each test: each makes the promotions it needs, so
  // none depends on what another left behind (or on running after it).
  beforeEach(async () => {
    w = await createPromotionWorld({ apps: 9 });
  });
  afterEach(async () => {
    await w?.close();
  });

  const request = (app: string, environment: string, extra: { version?: string } = {}) =>
    requestPromotion({
      ctx: w.ctx,
      principal: ALICE,
      application: app,
      environment,
      reason: "Verified in staging; fixes the checkout timeout",
      ...extra,
    });
  const open = (promotionId: string, afterStep?: (step: OpenPullRequestStep) => void) =>
    openPromotionPullRequest({ ctx: w.ctx, promotionId, afterStep });

  /** What exists in Git and in the pull request table for a promotion's branch. */
  async function artefacts(branch: string) {
    const refs = await w.git("for-each-ref", "--format=%(refname)", "refs/heads/gantry/promote/");
    const branches = refs.split("\n").filter((ref) => ref === `refs/heads/${branch}`).length;
    const commits = branches
      ? Number(await w.git("rev-list", "--count", `main..refs/heads/${branch}`))
      : 0;
    const pullRequests = await w.db.localPullRequest.count({ where: { head: branch } });
    return { branches, commits, pullRequests };
  }

  it("requests a promotion: planned, with its event and its job", async () => {
    const { promotion, superseded } = await request("app-0", "prod");
    expect(superseded).toEqual([]);
    expect(promotion).toMatchObject({
      application: { slug: "app-0" },
      fromEnvironment: "staging",
      toEnvironment: { name: "prod", displayName: "Production" },
      version: "1.1.0",
      previousVersion: "1.0.0",
      requestedBy: { name: ALICE.name, email: ALICE.email },
      state: "planned",
      branch: "gantry/promote/app-0/prod/1.1.0",
      prNumber: null,
      attempts: 0,
    });
    expect(w.jobs.enqueued).toContain(promotion.id);
    const events = await listPromotionEvents({ db: w.db, promotionId: promotion.id });
    expect(events).toEqual([
      expect.objectContaining({
        fromState: null,
        toState: "planned",
        actor: { kind: "person", id: ALICE.id, name: ALICE.name },
      }),
    ]);
  });

  it("refuses an empty reason and a second promotion of the same version", async () => {
    const empty = await rejection(
      requestPromotion({
        ctx: w.ctx,
        principal: ALICE,
        application: "app-1",
        environment: "prod",
        reason: "  ",
      }),
    );
    expect(empty).toMatchObject({ code: "bad_request", details: { field: "reason" } });
    await request("app-0", "prod");
    const twice = await rejection(request("app-0", "prod"));
    expect(twice.code).toBe("conflict");
    expect(twice.message).toContain("already under way");
  });

  it("promotes from an empty tag (a chart's appVersion), committing only the tag's bytes", async () => {
    w.repo.commit({
      "apps/app-2/envs/prod/values.yaml":
        'image:\n  repository: ghcr.io/acme/app-2\n  tag: ""   # the chart\'s appVersion\n',
    });
    await w.importNow();
    const { promotion } = await request("app-2", "prod");
    expect(promotion).toMatchObject({ version: "1.1.0", previousVersion: "" });
    await open(promotion.id);
    const head = await w.git("rev-parse", `refs/heads/${promotion.branch}`);
    expect(await w.git("diff", "-U0", `${head}^`, head, "--", ".")).toContain(
      '-  tag: ""   # the chart\'s appVersion\n+  tag: "1.1.0"   # the chart\'s appVersion',
    );
  });

  it("opens one branch, one commit with exactly the one-line change, one pull request", async () => {
    const { promotion } = await request("app-1", "prod");
    const result = await open(promotion.id);
    expect(result).toEqual({ state: "pr_open", prNumber: expect.any(Number) });
    expect(await artefacts(promotion.branch)).toEqual({
      branches: 1,
      commits: 1,
      pullRequests: 1,
    });
    const head = await w.git("rev-parse", `refs/heads/${promotion.branch}`);
    expect(await w.git("diff", "--numstat", `${head}^`, head)).toBe(
      "1\t1\tapps/app-1/envs/prod/values.yaml",
    );
    expect(await w.git("diff", "-U0", `${head}^`, head, "--", ".")).toContain(
      '-  tag: "1.0.0" # set by promotion\n+  tag: "1.1.0" # set by promotion',
    );
    const message = await w.git("show", "-s", "--format=%an <%ae>%n%B", head);
    expect(message).toContain("Alice Developer <alice@example.com>");
    expect(message).toContain(`Gantry-Promotion: ${promotion.id}`);
    expect(message).toContain("Co-authored-by: Gantry <gantry@localhost>");

    const pr = await w.provider.getPullRequest(result.prNumber ?? 0);
    expect(pr).toMatchObject({
      state: "open",
      head: promotion.branch,
      base: "main",
      headSha: head,
      labels: ["gantry", "promotion", "env:prod"],
      title: "Promote app-1 to prod: 1.0.0 → 1.1.0",
    });
    expect(pr.body).toContain("Verified in staging; fixes the checkout timeout");
    expect(pr.body).toContain("**From:** staging");
    expect(pr.body).toContain(`https://gantry.example.com/promotions/${promotion.id}`);

    const detail = await getPromotion({ ctx: w.ctx, promotionId: promotion.id });
    expect(detail).toMatchObject({ state: "pr_open", headCommit: head, attempts: 1 });
    expect(detail.events.map((e) => `${e.fromState}→${e.toState}`)).toEqual([
      "null→planned",
      "planned→pr_open",
    ]);
    expect(detail.live).toMatchObject({
      ok: true,
      value: { pullRequest: { number: pr.number }, reviews: [], checks: { state: "none" } },
    });
    // A rerun of a finished job changes nothing.
    expect(await open(promotion.id)).toEqual(result);
    expect(await artefacts(promotion.branch)).toEqual({ branches: 1, commits: 1, pullRequests: 1 });
  });

  it.each([
    ["branch", "app-2"],
    ["commit", "app-3"],
    ["pull_request", "app-4"],
    ["recorded", "app-5"],
  ] as const)(
    "a crash after the %s step and a rerun still make exactly one of each",
    async (step, app) => {
      const { promotion } = await request(app, "prod");
      const crash = await open(promotion.id, (reached) => {
        if (reached === step) throw new InjectedCrash(`crash after ${step}`);
      }).then(
        () => null,
        (error: unknown) => error,
      );
      expect(crash).toBeInstanceOf(InjectedCrash);

      const rerun = await open(promotion.id);
      expect(rerun.state).toBe("pr_open");
      expect(await artefacts(promotion.branch)).toEqual({
        branches: 1,
        commits: 1,
        pullRequests: 1,
      });
      const opened = (await listPromotionEvents({ db: w.db, promotionId: promotion.id })).filter(
        (e) => e.toState === "pr_open",
      );
      expect(opened).toHaveLength(1);
    },
  );

  it("merges: a merge commit on main, state merged, and the catalogue import queued; once it runs the catalogue shows the new version", async () => {
    const { promotion } = await request("app-6", "prod");
    await open(promotion.id);
    const before = await w.git("rev-parse", "main");
    const result = await mergePromotion({ ctx: w.ctx, promotionId: promotion.id, principal: BOB });
    expect(result.promotion).toMatchObject({ state: "merged", mergeCommit: result.mergeCommit });
    expect(await w.git("rev-parse", "main")).toBe(result.mergeCommit);
    expect((await w.git("show", "-s", "--format=%P", result.mergeCommit)).split(" ")[0]).toBe(
      before,
    );
    // The merge returns without importing: the import is a job, queued once.
    expect(result.catalogue).toEqual({ queued: true });
    expect(w.jobs.catalogueImports).toHaveLength(1);
    const where = { application: { slug: "app-6" }, environment: { name: "prod" } };
    expect((await w.db.deploymentTarget.findFirstOrThrow({ where })).desiredVersion).toBe("1.0.0");

    await w.importNow(); // what the queued job runs
    const target = await w.db.deploymentTarget.findFirstOrThrow({ where });
    expect(target.desiredVersion).toBe("1.1.0");
    expect(target.desiredCommit).toBe(result.mergeCommit);

    const again = await rejection(
      mergePromotion({ ctx: w.ctx, promotionId: promotion.id, principal: BOB }),
    );
    expect(again.code).toBe("conflict");
  });

  it("records a pull request that was merged already instead of merging it again", async () => {
    const { promotion } = await request("app-7", "prod");
    const { prNumber } = await open(promotion.id);
    const row = await w.db.promotion.findUniqueOrThrow({ where: { id: promotion.id } });
    // Merged on the host (or by a run that crashed before recording it).
    const { sha } = await w.provider.mergePullRequest({
      number: prNumber ?? 0,
      expectedHeadSha: row.headCommit ?? "",
      method: "merge",
      message: "merged elsewhere",
      mergedBy: BOB,
    });
    const result = await mergePromotion({ ctx: w.ctx, promotionId: promotion.id, principal: BOB });
    expect(result.mergeCommit).toBe(sha);
    expect(await w.git("rev-parse", "main")).toBe(sha);
  });

  it("supersedes an open promotion: its pull request is closed with a link to the newer one", async () => {
    const older = await requestPromotion({
      ctx: w.ctx,
      principal: ALICE,
      application: "app-0",
      environment: "dev",
      version: "1.2.0",
      reason: "new build",
      allowNewVersion: true,
    });
    const first = await open(older.promotion.id);
    const newer = await requestPromotion({
      ctx: w.ctx,
      principal: DAN,
      application: "app-0",
      environment: "dev",
      version: "1.3.0",
      reason: "newer build",
      allowNewVersion: true,
    });
    expect(newer.superseded).toEqual([older.promotion.id]);
    const superseded = await w.db.promotion.findUniqueOrThrow({
      where: { id: older.promotion.id },
    });
    expect(superseded).toMatchObject({ state: "superseded", supersededById: newer.promotion.id });

    await open(newer.promotion.id);
    const oldPr = await w.provider.getPullRequest(first.prNumber ?? 0);
    expect(oldPr.state).toBe("closed");
    const comments = await w.db.localPullRequestComment.findMany({
      where: { pullRequest: { number: oldPr.number } },
    });
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain(
      `https://gantry.example.com/promotions/${newer.promotion.id}`,
    );
    // The superseded promotion's job, if it runs late, does nothing.
    expect(await open(older.promotion.id)).toEqual({
      state: "superseded",
      prNumber: first.prNumber,
    });
  });

  it("closes a promotion and its pull request", async () => {
    const { promotion } = await requestPromotion({
      ctx: w.ctx,
      principal: ALICE,
      application: "app-1",
      environment: "dev",
      version: "7.0.0",
      reason: "try it",
      allowNewVersion: true,
    });
    const { prNumber } = await open(promotion.id);
    const closed = await closePromotion({
      ctx: w.ctx,
      promotionId: promotion.id,
      principal: ALICE,
      reason: "wrong build",
    });
    expect(closed.state).toBe("closed");
    expect((await w.provider.getPullRequest(prNumber ?? 0)).state).toBe("closed");
    expect(
      (await rejection(closePromotion({ ctx: w.ctx, promotionId: promotion.id, principal: ALICE })))
        .code,
    ).toBe("conflict");
  });

  it("fails with the reason when the branch holds someone else's commits, and retries once fixed", async () => {
    const { promotion } = await requestPromotion({
      ctx: w.ctx,
      principal: ALICE,
      application: "app-2",
      environment: "dev",
      version: "8.0.0",
      reason: "try it",
      allowNewVersion: true,
    });
    // Someone else made the branch first.
    const main = await w.git("rev-parse", "main");
    await w.provider.createBranch({ name: promotion.branch, from: main });
    await w.provider.commitFiles({
      branch: promotion.branch,
      parent: main,
      message: "not gantry",
      author: BOB,
      files: [{ path: "README.md", content: "hello\n" }],
    });
    await runOpenPullRequestJob(w.ctx, {
      id: "job-1",
      data: { promotionId: promotion.id },
      retryCount: 0,
    });
    const failed = await getPromotion({ ctx: w.ctx, promotionId: promotion.id });
    expect(failed.state).toBe("failed");
    expect(failed.failureReason).toContain("already exists with commits Gantry did not make");

    await w.git("update-ref", "-d", `refs/heads/${promotion.branch}`);
    const retried = await retryPromotion({
      ctx: w.ctx,
      promotionId: promotion.id,
      principal: ALICE,
    });
    expect(retried).toMatchObject({ state: "planned", failureReason: null });
    expect(w.jobs.enqueued.filter((id) => id === promotion.id)).toHaveLength(2);
    await runOpenPullRequestJob(w.ctx, {
      id: "job-2",
      data: { promotionId: promotion.id },
      retryCount: 0,
    });
    const opened = await getPromotion({ ctx: w.ctx, promotionId: promotion.id });
    expect(opened.state).toBe("pr_open");
    expect(opened.events.map((e) => e.toState)).toEqual([
      "planned",
      "failed",
      "planned",
      "pr_open",
    ]);
    expect(
      (await rejection(retryPromotion({ ctx: w.ctx, promotionId: promotion.id, principal: ALICE })))
        .code,
    ).toBe("conflict");
  });

  it("leaves a retryable failure to pg-boss until the last attempt", async () => {
    const { promotion } = await requestPromotion({
      ctx: w.ctx,
      principal: ALICE,
      application: "app-3",
      environment: "dev",
      version: "9.0.0",
      reason: "try it",
      allowNewVersion: true,
    });
    class HostDown extends LocalGitProvider {
      override async getBranch(): Promise<string | null> {
        throw new GantryError("unavailable", "the host is down", { system: "git" });
      }
    }
    const down = new HostDown({
      dataDir: w.repo.dataDir,
      repository: "gitops",
      defaultBranch: "main",
      db: w.db,
    });
    const ctx = { ...w.ctx, git: down };
    const job = { id: "job-3", data: { promotionId: promotion.id } };
    const thrown = await rejection(runOpenPullRequestJob(ctx, { ...job, retryCount: 0 }));
    expect(thrown.code).toBe("unavailable");
    expect((await getPromotion({ ctx: w.ctx, promotionId: promotion.id })).state).toBe("planned");

    await runOpenPullRequestJob(ctx, { ...job, retryCount: OPEN_PULL_REQUEST_RETRIES.retryLimit });
    const failed = await getPromotion({ ctx: w.ctx, promotionId: promotion.id });
    expect(failed).toMatchObject({
      state: "failed",
      failureReason: "git: the host is down",
      attempts: 2,
    });
  });

  /**
   * Ten promotions in every state the list filters on: six open ones to prod
   * (app-0 to app-5), two merged (app-6, app-7), and in dev an open one of
   * app-0 by Dan that superseded Alice's.
   */
  async function promotionsToList() {
    for (const app of ["app-0", "app-1", "app-2", "app-3", "app-4", "app-5"]) {
      await open((await request(app, "prod")).promotion.id);
    }
    for (const app of ["app-6", "app-7"]) {
      const { promotion } = await request(app, "prod");
      await open(promotion.id);
      await mergePromotion({ ctx: w.ctx, promotionId: promotion.id, principal: BOB });
    }
    const older = await requestPromotion({
      ctx: w.ctx,
      principal: ALICE,
      application: "app-0",
      environment: "dev",
      version: "1.2.0",
      reason: "new build",
      allowNewVersion: true,
    });
    await open(older.promotion.id);
    const newer = await requestPromotion({
      ctx: w.ctx,
      principal: DAN,
      application: "app-0",
      environment: "dev",
      version: "1.3.0",
      reason: "newer build",
      allowNewVersion: true,
    });
    await open(newer.promotion.id);
  }

  it("lists promotions with filters and pages", async () => {
    await promotionsToList();
    const all = await listPromotions({ ctx: w.ctx, query: { size: 3 } });
    expect(all.total).toBeGreaterThanOrEqual(10);
    expect(all.items).toHaveLength(3);
    expect(all.pageCount).toBe(Math.ceil(all.total / 3));
    const second = await listPromotions({ ctx: w.ctx, query: { size: 3, page: 2 } });
    expect(second.items.map((p) => p.id)).not.toContain(all.items[0]?.id);
    const created = all.items.map((p) => p.createdAt);
    expect([...created].sort().reverse()).toEqual(created);

    const merged = await listPromotions({ ctx: w.ctx, query: { state: ["merged"] } });
    expect(merged.items.map((p) => p.application.slug).sort()).toEqual(["app-6", "app-7"]);
    const dan = await listPromotions({ ctx: w.ctx, query: { person: "dan@example.com" } });
    expect(dan.items.every((p) => p.requestedBy.email === DAN.email)).toBe(true);
    expect(dan.total).toBe(1);
    const byName = await listPromotions({ ctx: w.ctx, query: { person: "alice" } });
    expect(byName.total).toBe(all.total - 1);
    const devApp0 = await listPromotions({ ctx: w.ctx, query: { app: "app-0", env: "dev" } });
    expect(devApp0.items.map((p) => p.state)).toEqual(["pr_open", "superseded"]);
  });

  it("checks permission inside: refusals name why and change nothing", async () => {
    const before = await w.db.promotion.count();
    const other = await rejection(
      requestPromotion({
        ctx: w.ctx,
        principal: OSCAR,
        application: "app-8",
        environment: "prod",
        reason: "not my team",
      }),
    );
    expect(other).toMatchObject({
      code: "forbidden",
      message: "only developers of team payments (or an admin) may do this",
    });
    expect(
      (
        await rejection(
          requestPromotion({
            ctx: w.ctx,
            principal: BOB,
            application: "app-8",
            environment: "prod",
            reason: "x",
          }),
        )
      ).code,
    ).toBe("forbidden");
    expect(await w.db.promotion.count()).toBe(before);

    const { promotion } = await request("app-8", "prod");
    await open(promotion.id);
    for (const principal of [VICKY, OSCAR]) {
      for (const act of [
        () => mergePromotion({ ctx: w.ctx, promotionId: promotion.id, principal }),
        () => closePromotion({ ctx: w.ctx, promotionId: promotion.id, principal }),
        () => retryPromotion({ ctx: w.ctx, promotionId: promotion.id, principal }),
      ]) {
        expect((await rejection(act())).code).toBe("forbidden");
      }
    }
    // An approver of prod may merge but not close someone else's promotion.
    expect(
      (await rejection(closePromotion({ ctx: w.ctx, promotionId: promotion.id, principal: CAROL })))
        .message,
    ).toBe("only developers of team payments (or an admin) may do this");
    expect((await getPromotion({ ctx: w.ctx, promotionId: promotion.id })).state).toBe("pr_open");
    // The author's id is recorded for persons.
    const row = await w.db.promotion.findUniqueOrThrow({
      where: { id: promotion.id },
      select: { requestedById: true },
    });
    expect(row.requestedById).toBe(ALICE.id);
    // Unknown promotions stay not_found, whoever asks.
    expect(
      (await rejection(mergePromotion({ ctx: w.ctx, promotionId: "nope", principal: VICKY }))).code,
    ).toBe("not_found");
  });

  it("answers not_found for unknown and malformed ids", async () => {
    expect((await rejection(getPromotion({ ctx: w.ctx, promotionId: "nope" }))).code).toBe(
      "not_found",
    );
    expect(
      (
        await rejection(
          getPromotion({ ctx: w.ctx, promotionId: "00000000-0000-0000-0000-000000000000" }),
        )
      ).code,
    ).toBe("not_found");
  });
});
