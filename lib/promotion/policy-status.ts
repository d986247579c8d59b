import type { CommitStatus, GitProvider } from "@/lib/git/provider";
import type { ActiveFreeze } from "@/lib/gitops-repo/policy/types";
import { log } from "@/lib/log";
import { frozenMessage } from "@/lib/policy/describe";
import { activeFreeze } from "@/lib/policy/freeze";
import { readPolicy } from "@/lib/policy/read-policy";
import { promotionApprovals, standingInWords } from "@/lib/promotion/approval-standing";
import { promotionUrl } from "@/lib/promotion/pull-request-text";
import type { PromotionContext } from "@/lib/promotion/types";

/**
 * The commit status Gantry posts on the head of every promotion pull request,
 * so a repository can require it in branch protection and a merge made in the
 * Git host's own UI cannot go around Gantry's policy.
 */
export const POLICY_STATUS_CONTEXT = "gantry/policy";

export type PolicyStatusState = "pending" | "success" | "failure";

/**
 * What `gantry/policy` says of a promotion under review: failure while its
 * environment is frozen and it did not break the freeze with a reason,
 * pending while approvals are missing, success once the policy is met.
 */
function policyStatusOf(params: {
  environment: string;
  freeze: ActiveFreeze | null;
  brokeFreeze: boolean;
  standing: { satisfied: boolean; blockers: readonly string[] };
  standingWords: string;
  now: Date;
}): { state: PolicyStatusState; description: string } {
  const { environment, freeze, now } = params;
  if (freeze && !params.brokeFreeze) {
    return {
      state: "failure",
      description: frozenMessage({ environment, until: freeze.until, reason: freeze.reason, now }),
    };
  }
  if (!params.standing.satisfied) {
    return { state: "pending", description: params.standing.blockers.join("; ") };
  }
  return { state: "success", description: `policy met: ${params.standingWords}` };
}

/** Which status wins when promotions share a pull request: the one that lets the least through. */
const SEVERITY: Record<PolicyStatusState, number> = { success: 0, pending: 1, failure: 2 };

export type PolicyStatusContext = Pick<PromotionContext, "db" | "publicUrl"> & {
  git: Pick<GitProvider, "setCommitStatus">;
};

/**
 * Posts `gantry/policy` on a promotion's pull request head when what it
 * should say changed since it was last posted (or the head moved), and
 * records what was posted. Nothing for a promotion that is not under review
 * (not open yet, merged, closed). Returns the state posted or standing.
 */
export async function publishPolicyStatus(params: {
  ctx: PolicyStatusContext;
  promotionId: string;
  now?: Date;
}): Promise<PolicyStatusState | null> {
  const { ctx, promotionId } = params;
  const now = params.now ?? new Date();
  const row = await ctx.db.promotion.findUnique({
    where: { id: promotionId },
    select: {
      state: true,
      headCommit: true,
      prNumber: true,
      trainId: true,
      policyStatus: true,
      policyStatusSha: true,
    },
  });
  if (!row || row.headCommit === null || row.prNumber === null) return null;
  if (row.state !== "pr_open" && row.state !== "approved") return null;
  // A train's promotions share one pull request: its one status says what all their
  // policies say together, the worst of them, so none of them can merge around its own.
  const sharing = await ctx.db.promotion.findMany({
    where:
      row.trainId === null
        ? { id: promotionId }
        : { trainId: row.trainId, state: { in: ["pr_open", "approved"] } },
    select: {
      id: true,
      breakGlassReason: true,
      toEnvironment: { select: { name: true, policy: true } },
    },
    orderBy: { id: "asc" },
  });
  let status: { state: PolicyStatusState; description: string } | null = null;
  for (const promotion of sharing) {
    const environment = promotion.toEnvironment.name;
    const { standing } = await promotionApprovals({ db: ctx.db, promotionId: promotion.id });
    const own = policyStatusOf({
      environment,
      freeze: activeFreeze(readPolicy(promotion.toEnvironment.policy, { environment }), now),
      brokeFreeze: promotion.breakGlassReason !== null,
      standing,
      standingWords: standingInWords(standing),
      now,
    });
    if (status === null || SEVERITY[own.state] > SEVERITY[status.state]) status = own;
  }
  if (status === null) return null;
  if (row.policyStatus === status.state && row.policyStatusSha === row.headCommit) {
    return status.state;
  }
  const posted: CommitStatus = {
    sha: row.headCommit,
    context: POLICY_STATUS_CONTEXT,
    state: status.state,
    description: status.description.slice(0, 140),
    targetUrl: promotionUrl(ctx.publicUrl, promotionId),
  };
  await ctx.git.setCommitStatus(posted);
  await ctx.db.promotion.updateMany({
    where: { id: { in: sharing.map((p) => p.id) } },
    data: { policyStatus: status.state, policyStatusSha: row.headCommit },
  });
  log.info("gantry/policy posted", { promotionId, state: status.state, sha: row.headCommit });
  return status.state;
}

/**
 * The same, where the status is a side effect of something that already
 * happened (a review, a pull request opened): a Git host that refuses it is
 * logged, and the minutely refresh posts it again.
 */
export async function publishPolicyStatusQuietly(params: {
  ctx: PolicyStatusContext;
  promotionId: string;
}): Promise<void> {
  try {
    await publishPolicyStatus(params);
  } catch (error) {
    log.warn("could not post gantry/policy; the next refresh tries again", {
      promotionId: params.promotionId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/**
 * Brings `gantry/policy` up to date on every promotion under review: a
 * freeze starts or ends with time, and a policy changes with an import,
 * without any review happening. Run every minute by the job runner.
 */
export async function refreshPolicyStatuses(params: {
  ctx: PolicyStatusContext;
  now?: Date;
}): Promise<{ checked: number; failed: number }> {
  const open = await params.ctx.db.promotion.findMany({
    where: { state: { in: ["pr_open", "approved"] }, prNumber: { not: null } },
    select: { id: true, trainId: true },
    orderBy: { createdAt: "asc" },
    take: 5_000,
  });
  let failed = 0;
  const trains = new Set<string>();
  for (const { id, trainId } of open) {
    // One status per pull request: a train's is posted for all its promotions at once.
    if (trainId !== null) {
      if (trains.has(trainId)) continue;
      trains.add(trainId);
    }
    try {
      await publishPolicyStatus({ ctx: params.ctx, promotionId: id, now: params.now });
    } catch (error) {
      failed += 1;
      log.warn("could not post gantry/policy", {
        promotionId: id,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  return { checked: open.length, failed };
}
