import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GantryError } from "@/lib/errors";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { planPromotion } from "@/lib/promotion/plan-promotion";
import {
  changedPlanOf,
  RequestPromotionInput,
  requestPromotion,
} from "@/lib/promotion/request-promotion";
import { ALICE, createPromotionWorld, type PromotionWorld } from "./support";

async function rejection(promise: Promise<unknown>): Promise<GantryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GantryError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

/**
 * What the person saw is what is committed: a request carries the plan's
 * base commit and the values file's blob; when Git moved under the file in
 * between, the request is refused with the new plan, and the pull request
 * job commits only the planned diff.
 */
describe("the plan the person saw is the plan that is committed", () => {
  let w: PromotionWorld;
  beforeAll(async () => {
    w = await createPromotionWorld({ apps: 4 });
  });
  afterAll(async () => {
    await w?.close();
  });

  const plan = (app: string) =>
    planPromotion({
      db: w.db,
      git: w.provider,
      versionPath: "image.tag",
      application: app,
      environment: "prod",
      version: "1.1.0",
    });
  const request = (app: string, plannedAt: { baseCommit: string; blobId: string }) =>
    requestPromotion({
      ctx: w.ctx,
      principal: ALICE,
      application: app,
      environment: "prod",
      version: "1.1.0",
      reason: "Verified in staging",
      plannedAt,
    });
  /** The lines a unified diff removes and adds, without its file headers. */
  const changedLines = (diff: string) =>
    diff.split("\n").filter((line) => /^[-+](?![-+]{2} )/.test(line));
  const valuesPath = (app: string) => `apps/${app}/envs/prod/values.yaml`;
  /** The change the promotion's branch makes to its values file, as git shows it. */
  const committedDiff = async (branch: string, app: string) =>
    w.git("diff", `${branch}~1`, branch, "--", valuesPath(app));

  it("a plan whose file changed under it is re-planned and refused, never requested blind", async () => {
    const seen = await plan("app-0");
    // Someone edits the same values file on main after the person looked.
    const before = await w.provider.readFile({ ref: "main", path: valuesPath("app-0") });
    expect(before).toContain("replicas: 2");
    w.repo.commit(
      { [valuesPath("app-0")]: before?.replace("replicas: 2", "replicas: 3") ?? null },
      "app-0: three replicas in prod",
    );

    const refused = await rejection(
      request("app-0", { baseCommit: seen.baseCommit, blobId: seen.blobId }),
    );
    expect(refused.code).toBe("conflict");
    expect(refused.message).toContain(`${valuesPath("app-0")} changed since you looked`);
    const changed = changedPlanOf(refused);
    expect(changed).not.toBeNull();
    expect(changed?.baseCommit).not.toBe(seen.baseCommit);
    expect(changed?.blobId).not.toBe(seen.blobId);
    expect(changed?.diff).toContain("replicas: 3");
    expect(changed?.diff).not.toBe(seen.diff);
    // Nothing was requested.
    expect(await w.db.promotion.count({ where: { application: { slug: "app-0" } } })).toBe(0);

    // Asked again with the plan now shown: requested, and the branch commits exactly that diff.
    const again = await request("app-0", {
      baseCommit: changed?.baseCommit ?? "",
      blobId: changed?.blobId ?? "",
    });
    expect(again.promotion.state).toBe("planned");
    const stored = await w.db.promotion.findUniqueOrThrow({ where: { id: again.promotion.id } });
    expect(stored.baseCommit).toBe(changed?.baseCommit);
    expect(stored.planDiff).toBe(changed?.diff);
    await openPromotionPullRequest({ ctx: w.ctx, promotionId: stored.id });
    const committed = await committedDiff(stored.branch, "app-0");
    expect(changedLines(committed)).toEqual(changedLines(changed?.diff ?? ""));
    expect(changedLines(committed)).toEqual([
      '-  tag: "1.0.0" # set by promotion',
      '+  tag: "1.1.0" # set by promotion',
    ]);
    expect(await w.git("rev-parse", `${stored.branch}~1`)).toBe(changed?.baseCommit);
  });

  it("a branch that moved for other files leaves the plan exact: requested at the new head", async () => {
    const seen = await plan("app-1");
    const moved = w.repo.commit({ "apps/app-2/README.md": "# app-2\n" }, "docs for app-2");
    const { promotion } = await request("app-1", {
      baseCommit: seen.baseCommit,
      blobId: seen.blobId,
    });
    const stored = await w.db.promotion.findUniqueOrThrow({ where: { id: promotion.id } });
    expect(stored.baseCommit).toBe(moved);
    expect(stored.baseCommit).not.toBe(seen.baseCommit);
    expect(stored.planDiff).toBe(seen.diff);
    await openPromotionPullRequest({ ctx: w.ctx, promotionId: stored.id });
    expect(await w.git("rev-parse", `${stored.branch}~1`)).toBe(moved);
  });

  it("the pull request job commits nothing that is not the planned diff", async () => {
    const seen = await plan("app-3");
    const { promotion } = await request("app-3", {
      baseCommit: seen.baseCommit,
      blobId: seen.blobId,
    });
    // The stored plan no longer matches what the base commit would produce.
    await w.db.promotion.update({
      where: { id: promotion.id },
      data: { planDiff: seen.diff.replace("1.1.0", "9.9.9") },
    });
    const refused = await rejection(
      openPromotionPullRequest({ ctx: w.ctx, promotionId: promotion.id }),
    );
    expect(refused.code).toBe("conflict");
    expect(refused.message).toContain("is not the planned diff");
    const branches = await w.git("for-each-ref", "--format=%(refname)", "refs/heads/gantry/");
    expect(branches).not.toContain("app-3");
  });

  it("one input schema: the plan a request carries needs its version, and full ids", () => {
    const base = { app: "app-0", environment: "prod", reason: "r" };
    const sha = "a".repeat(40);
    expect(
      RequestPromotionInput.safeParse({
        ...base,
        plannedAt: { baseCommit: sha, blobId: sha },
      }).error?.issues.map((issue) => issue.path.join(".")),
    ).toEqual(["version"]);
    expect(
      RequestPromotionInput.safeParse({
        ...base,
        version: "1.1.0",
        plannedAt: { baseCommit: "abc", blobId: sha },
      }).error?.issues.map((issue) => issue.path.join(".")),
    ).toEqual(["plannedAt.baseCommit"]);
    expect(
      RequestPromotionInput.safeParse({
        ...base,
        version: "1.1.0",
        plannedAt: { baseCommit: sha, blobId: sha },
      }).success,
    ).toBe(true);
  });
});
