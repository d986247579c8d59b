import { GantryError, isGantryError } from "@/lib/errors";
import { can, refusal as permissionRefusal } from "@/lib/identity/permissions";
import type { Person } from "@/lib/identity/principal";
import { checkPromotionPolicy, type PromotionPolicyCheck } from "@/lib/policy/check-promotion";
import {
  type EnvironmentPolicyView,
  listEnvironmentPolicies,
} from "@/lib/policy/list-environment-policies";
import { type PromotionPlan, planPromotion } from "@/lib/promotion/plan-promotion";
import type { PromotionContext } from "@/lib/promotion/types";

/** What the person chose on the promote page (its query string). */
export interface PromotionChoice {
  environment?: string;
  version?: string;
  skipOrder: boolean;
  allowNewVersion: boolean;
}

/** Everything the promote page shows. */
export interface PromotionPreview {
  application: { slug: string; name: string; team: string };
  /** The active environments in delivery order, to choose from. */
  environments: { name: string; displayName: string }[];
  /** The chosen environment, else the last one the app is deployed to, else the last one. */
  environment: string | undefined;
  choice: PromotionChoice;
  /** What promoting would change; null when nothing was chosen or it was refused. */
  plan: PromotionPlan | null;
  /** Why it cannot be planned, in words. */
  refusal: string | null;
  /** The target's policy, shown in words (its freeze as a banner). */
  targetPolicy: EnvironmentPolicyView | null;
  /** The plan checked against the target's policy. */
  policyCheck: PromotionPolicyCheck | null;
  frozen: boolean;
  mayBreakGlass: boolean;
  /** Why this person may not request it (to hide the button and say why; the request checks again). */
  requestRefusal: string | null;
}

/**
 * The promotion dialog's view: the plan computed now, from the default
 * branch's head (so the diff shown is the diff the pull request will
 * contain; the request carries its base commit and blob to hold it to
 * that), the target's policy and what this person may do. A plan that is
 * refused is data (`refusal`), not an error. Throws not_found for an
 * unknown application.
 */
export async function previewPromotion(params: {
  ctx: Pick<PromotionContext, "db" | "git" | "versionPath" | "layoutFile">;
  person: Person;
  application: string;
  choice: PromotionChoice;
}): Promise<PromotionPreview> {
  const { ctx, person, choice } = params;
  const { db, git } = ctx;
  const [application, environments, policies] = await Promise.all([
    db.application.findUnique({
      where: { slug: params.application },
      select: {
        slug: true,
        name: true,
        team: { select: { slug: true } },
        targets: {
          where: { archivedAt: null },
          select: { environment: { select: { name: true } } },
          orderBy: { environment: { position: "asc" } },
        },
      },
    }),
    db.environment.findMany({
      where: { archivedAt: null },
      orderBy: { position: "asc" },
      select: { name: true, displayName: true },
    }),
    listEnvironmentPolicies({ db }),
  ]);
  if (!application) {
    throw new GantryError(
      "not_found",
      `No application named "${params.application}" in the catalogue`,
    );
  }
  const environment =
    choice.environment ?? application.targets.at(-1)?.environment.name ?? environments.at(-1)?.name;

  let plan: PromotionPlan | null = null;
  let refusal: string | null = null;
  if (environment) {
    try {
      plan = await planPromotion({
        db,
        git,
        versionPath: ctx.versionPath,
        layoutFile: ctx.layoutFile,
        application: application.slug,
        environment,
        version: choice.version,
        skipOrder: choice.skipOrder,
        allowNewVersion: choice.allowNewVersion,
      });
    } catch (error) {
      if (!isGantryError(error)) throw error;
      refusal = error.message;
    }
  }
  const policyCheck = plan
    ? await checkPromotionPolicy({
        db,
        application: plan.application.slug,
        environment: plan.environment.name,
        previousEnvironment: plan.fromEnvironment,
        version: plan.version,
      })
    : null;
  return {
    application: { slug: application.slug, name: application.name, team: application.team.slug },
    environments,
    environment,
    choice,
    plan,
    refusal,
    targetPolicy: policies.find((e) => e.name === environment) ?? null,
    policyCheck,
    frozen: policyCheck?.freeze != null,
    mayBreakGlass: can(person, "promotion:break_glass", { environment }),
    requestRefusal: permissionRefusal(person, "promotion:request", {
      team: application.team.slug,
      environment,
    }),
  };
}
