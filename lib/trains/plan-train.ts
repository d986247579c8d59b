import { GantryError, isGantryError } from "@/lib/errors";
import type { GitReader } from "@/lib/git/provider";
import { refusal } from "@/lib/identity/permissions";
import type { Principal } from "@/lib/identity/principal";
import { checkPromotionPolicy, enforcePromotionPolicy } from "@/lib/policy/check-promotion";
import { readPolicy } from "@/lib/policy/read-policy";
import { type PromotionPlan, planPromotion } from "@/lib/promotion/plan-promotion";
import type { PromotionContext } from "@/lib/promotion/types";
import type { TrainProblem } from "@/lib/trains/types";

/** One application of a planned train: its plan, as a single promotion would have it. */
interface TrainPlanItem {
  application: string;
  team: string;
  plan: PromotionPlan;
  /** Kept when the environment is frozen and the person broke the freeze with a reason. */
  breakGlassReason: string | null;
}

/** The approvals one policy asks for, and which of the train's applications it applies to. */
export interface TrainApprovalRule {
  environment: string;
  required: number;
  team: string | null;
  applications: string[];
}

export interface TrainPlan {
  environment: string;
  /** The one commit every application was planned at: the branch starts here. */
  baseCommit: string;
  /** Applications that can travel, by name. */
  items: TrainPlanItem[];
  /** Applications that cannot, each with why; shown beside the items, never instead of them. */
  problems: TrainProblem[];
  /** Every policy that applies to the train: it merges only when each is met for its applications. */
  approvals: TrainApprovalRule[];
}

/**
 * What promoting `applications` to `environment` as one train would change,
 * without changing anything: each application planned exactly as a single
 * promotion would be (same locators, same policy checks, same refusals),
 * all at one commit of the default branch, so the combined diff is the one
 * commit the train makes. An application that cannot be planned (its file
 * does not parse, it already runs the version, its team is not the
 * person's, a freeze) is a problem of its own and the others still plan.
 */
export async function planTrain(params: {
  ctx: Pick<PromotionContext, "db" | "git" | "versionPath" | "layoutFile">;
  principal: Principal;
  applications: readonly string[];
  environment: string;
  breakGlassReason?: string;
}): Promise<TrainPlan> {
  const { ctx, principal, environment } = params;
  const target = await ctx.db.environment.findFirst({
    where: { name: environment, archivedAt: null },
    select: { name: true, policy: true },
  });
  if (!target) {
    throw new GantryError("not_found", `No environment named "${environment}"`, {
      details: { field: "environment" },
    });
  }
  const baseCommit = await ctx.git.resolveRef(ctx.git.defaultBranch);
  const git = pinnedReader(ctx.git, baseCommit);
  const teams = new Map(
    (
      await ctx.db.application.findMany({
        where: { slug: { in: [...params.applications] } },
        select: { slug: true, team: { select: { slug: true } } },
      })
    ).map((row) => [row.slug, row.team.slug]),
  );
  // Under way already in a train: superseding it would pull it out of a pull request others share.
  const inTrains = new Set(
    (
      await ctx.db.promotion.findMany({
        where: {
          application: { slug: { in: [...params.applications] } },
          toEnvironment: { name: environment },
          trainId: { not: null },
          state: { in: ["planned", "pr_open", "approved"] },
        },
        select: { application: { select: { slug: true } } },
      })
    ).map((row) => row.application.slug),
  );
  const items: TrainPlanItem[] = [];
  const problems: TrainProblem[] = [];
  for (const application of [...new Set(params.applications)].sort()) {
    const team = teams.get(application);
    const problem = (message: string) => problems.push({ application, environment, message });
    if (team === undefined) {
      problem(`no application named "${application}"`);
      continue;
    }
    const refused = refusal(principal, "promotion:request", { team, environment });
    if (refused !== null) {
      problems.push({ application, environment, message: refused, forbidden: true });
      continue;
    }
    if (inTrains.has(application)) {
      problem(`${application} is on its way to ${environment} in another train already`);
      continue;
    }
    try {
      const plan = await planPromotion({
        db: ctx.db,
        git,
        versionPath: ctx.versionPath,
        layoutFile: ctx.layoutFile,
        application,
        environment,
      });
      const check = await checkPromotionPolicy({
        db: ctx.db,
        application,
        environment,
        previousEnvironment: plan.fromEnvironment,
        version: plan.version,
      });
      const { breakGlassReason } = enforcePromotionPolicy({
        check,
        principal,
        team,
        skipOrder: false,
        breakGlassReason: params.breakGlassReason,
      });
      items.push({ application, team, plan, breakGlassReason });
    } catch (error) {
      if (!isGantryError(error)) throw error;
      problem(error.message);
    }
  }
  const policy = readPolicy(target.policy, { environment });
  return {
    environment,
    baseCommit,
    items,
    problems,
    approvals:
      items.length === 0
        ? []
        : [
            {
              environment,
              required: policy.approvals.required,
              team: policy.approvals.team,
              applications: items.map((item) => item.application),
            },
          ],
  };
}

/**
 * The repository as it was at `commit`: the default branch resolves there,
 * so every application of the train is planned at the same commit even
 * while others push.
 */
function pinnedReader(git: GitReader, commit: string): GitReader {
  return {
    kind: git.kind,
    repository: git.repository,
    defaultBranch: git.defaultBranch,
    resolveRef: async (ref) => (ref === git.defaultBranch ? commit : git.resolveRef(ref)),
    listTree: (p) => git.listTree(p),
    readFile: (p) => git.readFile(p),
    readFiles: (p) => git.readFiles(p),
    listCommits: (p) => git.listCommits(p),
    fileUrl: (p) => git.fileUrl(p),
    isAncestor: (p) => git.isAncestor(p),
  };
}
