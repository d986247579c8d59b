import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { GitReader } from "@/lib/git/provider";
import { environmentValuesPath } from "@/lib/gitops-repo/paths";
import { readVersion } from "@/lib/gitops-repo/version";
import { type PromotionPlan, planPromotion } from "@/lib/promotion/plan-promotion";
import { findActiveHold } from "@/lib/releases/holds";

export interface RollbackProposal {
  application: string;
  environment: string;
  /** What the environment runs now (Git), the version rolled back from. */
  currentVersion: string;
  /** The version proposed: the last one deployed and healthy there before. */
  version: string;
  /** The promotion that brought the current version, which the rollback takes out; null when unknown. */
  rollsBackId: string | null;
  /** Why this version, in words for the page. */
  basis: string;
  /** The exact change, planned like any promotion (same diff, same base commit). */
  plan: PromotionPlan;
}

/**
 * What rolling `application` back in `environment` would do: the version is
 * the newest one a promotion there reached `deployed` with (every cluster
 * synced and healthy), other than the one running now and not held there.
 * When none ever deployed through Gantry, the version the current one
 * replaced is proposed, saying its health was not recorded. The change is
 * planned by the promotion's own planner, so the diff shown is the diff
 * committed.
 */
export async function proposeRollback(params: {
  db: PrismaClient;
  git: GitReader;
  versionPath: string;
  application: string;
  environment: string;
}): Promise<RollbackProposal> {
  const { db, git, versionPath, application, environment } = params;
  const [app, env] = await Promise.all([
    db.application.findUnique({ where: { slug: application }, select: { id: true } }),
    db.environment.findUnique({ where: { name: environment }, select: { id: true } }),
  ]);
  if (!app) {
    throw new GantryError("not_found", `No application named "${application}"`, {
      details: { field: "application" },
    });
  }
  if (!env) {
    throw new GantryError("not_found", `No environment named "${environment}"`, {
      details: { field: "environment" },
    });
  }
  const valuesPath = environmentValuesPath(application, environment);
  const text = await git.readFile({
    ref: await git.resolveRef(git.defaultBranch),
    path: valuesPath,
  });
  if (text === null) {
    throw new GantryError(
      "unprocessable",
      `${application} is not deployed to ${environment}: ${valuesPath} does not exist`,
      { details: { field: "environment", file: valuesPath } },
    );
  }
  const read = readVersion(text, valuesPath, versionPath);
  if (!read.ok) {
    throw new GantryError(
      "unprocessable",
      `${read.error.file}:${read.error.line}: ${read.error.message}`,
    );
  }
  const currentVersion = read.value;

  const history = await db.promotion.findMany({
    where: { applicationId: app.id, toEnvironmentId: env.id, mergedAt: { not: null } },
    orderBy: [{ mergedAt: "desc" }, { createdAt: "desc" }],
    take: 200,
    select: { id: true, version: true, previousVersion: true, deployedAt: true },
  });
  const current = history.find((p) => p.version === currentVersion) ?? null;
  let version: string | null = null;
  let basis = "";
  for (const candidate of history) {
    if (candidate.deployedAt === null || candidate.version === currentVersion) continue;
    if (await findActiveHold({ db, application, environment, version: candidate.version })) {
      continue;
    }
    version = candidate.version;
    basis = `the last version deployed and healthy in ${environment} (${candidate.deployedAt.toISOString()})`;
    break;
  }
  if (version === null && current && current.previousVersion !== currentVersion) {
    version = current.previousVersion;
    basis = `the version ${environment} ran before ${currentVersion}; Gantry has no record of its health there`;
  }
  if (version === null) {
    throw new GantryError(
      "unprocessable",
      `no earlier version of ${application} was deployed in ${environment} through Gantry; promote the version you want instead`,
      { details: { field: "environment" } },
    );
  }
  const plan = await planPromotion({
    db,
    git,
    versionPath,
    application,
    environment,
    version,
    skipOrder: true,
    allowNewVersion: true,
  });
  return {
    application,
    environment,
    currentVersion: plan.currentVersion,
    version,
    rollsBackId: current?.id ?? null,
    basis,
    plan,
  };
}
