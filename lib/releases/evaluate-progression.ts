import { listApplicationProblems } from "@/lib/catalogue/list-application-problems";
import { getConfig } from "@/lib/config";
import { isGantryError } from "@/lib/errors";
import type { Prisma, PrismaClient, ReleaseStepState } from "@/lib/generated/prisma/client";
import type { ProgressionRule } from "@/lib/gitops-repo/policy/types";
import { progressionRule } from "@/lib/identity/principal";
import { logUnexpected } from "@/lib/log";
import { readPolicy } from "@/lib/policy/read-policy";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import type { PromotionContext } from "@/lib/promotion/types";
import { type GateCheck, type GateChecker, httpGateCheck } from "@/lib/releases/check-gate";
import { clustersThatReport } from "@/lib/sync-status/clusters-that-report";
import { isStale } from "@/lib/sync-status/list-sync-status";

/**
 * Whether `version` of an application is held in an environment (rolled
 * back from there or from an earlier one): a held version is never promoted
 * by a rule. The evaluation asks it once per candidate, before anything else.
 */
export type IsHeld = (params: {
  db: PrismaClient;
  applicationId: string;
  environmentId: string;
  version: string;
}) => Promise<boolean>;

/** No holds: what the evaluation uses until a hold check is passed in. */
const NOTHING_HELD: IsHeld = async () => false;

export interface ProgressionOutcome {
  /** Promotions the rules opened in this run. */
  opened: { promotionId: string; application: string; environment: string; version: string }[];
  soaking: number;
  waiting: number;
  gateFailed: number;
  superseded: number;
}

/** Steps the rules still look after; the others are settled for good. */
const LIVE_STEPS: ReleaseStepState[] = ["waiting", "soaking"];

interface Candidate {
  releaseId: string;
  applicationId: string;
  application: string;
  version: string;
  registeredAt: Date;
}

interface RuledEnvironment {
  id: string;
  name: string;
  rule: Exclude<ProgressionRule["autoPromote"], "manual">;
  progression: ProgressionRule;
  previous: { id: string; name: string } | null;
}

/**
 * One pass of the progression rules over every environment that has one.
 * For each application, only its newest registered release is moved (an
 * older one still waiting in the same environment is superseded):
 *
 * - `on-release`: its promotion into the environment opens at once;
 * - `after-healthy`: once its promotion into the previous environment is
 *   deployed and every active cluster there reports it synced and healthy,
 *   for the soak, counted from the deploy or from the end of the last
 *   trouble (OutOfSync, Degraded or Missing) since; the gate, when there is
 *   one, is checked `checks` times spread over the soak, and a failed check
 *   stops the release here with the reason.
 *
 * Promotions open through requestPromotion, as a person's would, with the
 * rule as the principal: plan, policy, approvals, freezes, audit and
 * autoMerge all hold. The step row (one per release and environment) takes
 * the promotion's id in the promotion's own transaction, only while it has
 * none: a rule never opens two promotions for one release and environment,
 * however many evaluations run at once. Every decision takes `now`, so the
 * tests move the clock instead of sleeping.
 */
export async function evaluateProgression(params: {
  ctx: PromotionContext;
  now?: Date;
  /** The hold check (see IsHeld); nothing is held without one. */
  isHeld?: IsHeld;
  checkGate?: GateChecker;
  staleAfterSeconds?: number;
}): Promise<ProgressionOutcome> {
  const { ctx } = params;
  const db = ctx.db;
  const now = params.now ?? new Date();
  const isHeld = params.isHeld ?? NOTHING_HELD;
  const checkGate = params.checkGate ?? httpGateCheck;
  const staleAfterSeconds = params.staleAfterSeconds ?? getConfig().syncStaleAfterSeconds;
  const outcome: ProgressionOutcome = {
    opened: [],
    soaking: 0,
    waiting: 0,
    gateFailed: 0,
    superseded: 0,
  };

  const environments = await db.environment.findMany({
    where: { archivedAt: null },
    orderBy: { position: "asc" },
    select: { id: true, name: true, policy: true },
  });
  const ruled: RuledEnvironment[] = [];
  environments.forEach((environment, index) => {
    const progression = readPolicy(environment.policy, {
      environment: environment.name,
    }).progression;
    if (progression.autoPromote === "manual") return;
    const previous = environments[index - 1];
    ruled.push({
      id: environment.id,
      name: environment.name,
      rule: progression.autoPromote,
      progression,
      previous: previous ? { id: previous.id, name: previous.name } : null,
    });
  });

  for (const environment of ruled) {
    const candidates = await newestReleases(db, environment.id, now);
    outcome.superseded += await supersedeOlderSteps(db, environment.id, candidates);
    const settled = new Set(
      (
        await db.releaseStep.findMany({
          where: {
            environmentId: environment.id,
            releaseId: { in: candidates.map((c) => c.releaseId) },
            state: { notIn: LIVE_STEPS },
          },
          select: { releaseId: true },
        })
      ).map((step) => step.releaseId),
    );
    for (const candidate of candidates) {
      if (settled.has(candidate.releaseId)) continue;
      try {
        const held = await isHeld({
          db,
          applicationId: candidate.applicationId,
          environmentId: environment.id,
          version: candidate.version,
        });
        if (held) {
          await saveStep(db, candidate, environment, {
            state: "waiting",
            reason: `${candidate.version} is held in ${environment.name}; no rule promotes it until the hold is released`,
          });
          outcome.waiting += 1;
          continue;
        }
        const verdict =
          environment.rule === "on-release" || environment.previous === null
            ? ({ kind: "due" } as const)
            : await soakVerdict({
                db,
                candidate,
                environment,
                previous: environment.previous,
                now,
                staleAfterSeconds,
                checkGate,
              });
        if (verdict.kind === "waiting") outcome.waiting += 1;
        if (verdict.kind === "soaking") outcome.soaking += 1;
        if (verdict.kind === "gate_failed") outcome.gateFailed += 1;
        if (verdict.kind !== "due") continue;
        const opened = await openPromotion({ ctx, candidate, environment });
        if (opened) outcome.opened.push(opened);
      } catch (error) {
        // One application's trouble never stops the others; the next run tries again.
        logUnexpected(error, {
          during: "progression",
          application: candidate.application,
          environment: environment.name,
        });
      }
    }
  }
  return outcome;
}

/**
 * Each application's newest registered release that the environment does
 * not run yet, for applications deployed there. Registered after `now`
 * (a clock the tests hold back) does not exist yet.
 */
async function newestReleases(
  db: PrismaClient,
  environmentId: string,
  now: Date,
): Promise<Candidate[]> {
  const rows = await db.$queryRaw<Candidate[]>`
    SELECT * FROM (
      SELECT DISTINCT ON (r."applicationId")
        r.id AS "releaseId", r."applicationId", a.slug AS application, r.version, r."registeredAt",
        t."desiredVersion"
      FROM "Release" r
      JOIN "Application" a ON a.id = r."applicationId" AND a."archivedAt" IS NULL
      JOIN "DeploymentTarget" t
        ON t."applicationId" = r."applicationId" AND t."environmentId" = ${environmentId}::uuid
        AND t."archivedAt" IS NULL
      WHERE r."registeredAt" IS NOT NULL AND r."registeredAt" <= ${now}
      ORDER BY r."applicationId", r."registeredAt" DESC, r.id DESC
    ) newest
    WHERE newest."desiredVersion" IS DISTINCT FROM newest.version`;
  return rows.map(({ releaseId, applicationId, application, version, registeredAt }) => ({
    releaseId,
    applicationId,
    application,
    version,
    registeredAt,
  }));
}

/** Steps still waiting or soaking for an older release of an application that has a newer one. */
async function supersedeOlderSteps(
  db: PrismaClient,
  environmentId: string,
  candidates: readonly Candidate[],
): Promise<number> {
  let superseded = 0;
  for (const candidate of candidates) {
    const result = await db.releaseStep.updateMany({
      where: {
        environmentId,
        state: { in: LIVE_STEPS },
        releaseId: { not: candidate.releaseId },
        release: { applicationId: candidate.applicationId },
      },
      data: { state: "superseded", reason: `superseded by the newer release ${candidate.version}` },
    });
    superseded += result.count;
  }
  return superseded;
}

type StepChange = {
  state: ReleaseStepState;
  reason: string | null;
  soakStartedAt?: Date | null;
  gateChecks?: GateCheck[];
};

/** Writes a step's standing; a step already settled (promoted, superseded, failed) stays as it is. */
async function saveStep(
  db: PrismaClient,
  candidate: Candidate,
  environment: RuledEnvironment,
  change: StepChange,
): Promise<void> {
  const key = { releaseId: candidate.releaseId, environmentId: environment.id };
  const data = {
    state: change.state,
    reason: change.reason,
    ...(change.soakStartedAt !== undefined ? { soakStartedAt: change.soakStartedAt } : {}),
    ...(change.gateChecks !== undefined
      ? { gateChecks: change.gateChecks.map((check) => ({ ...check })) }
      : {}),
  };
  await db.releaseStep.upsert({
    where: { releaseId_environmentId: key },
    create: { ...key, rule: environment.rule, ...data },
    update: {},
  });
  await db.releaseStep.updateMany({ where: { ...key, state: { in: LIVE_STEPS } }, data });
}

type SoakVerdict =
  | { kind: "due" }
  | { kind: "waiting" }
  | { kind: "soaking" }
  | { kind: "gate_failed" };

const TROUBLE: Prisma.SyncStatusChangeWhereInput = {
  OR: [{ syncState: "OutOfSync" }, { health: { in: ["Degraded", "Missing"] } }],
};

/** Where an after-healthy release stands in the previous environment, recorded on its step. */
async function soakVerdict(params: {
  db: PrismaClient;
  candidate: Candidate;
  environment: RuledEnvironment;
  previous: { id: string; name: string };
  now: Date;
  staleAfterSeconds: number;
  checkGate: GateChecker;
}): Promise<SoakVerdict> {
  const { db, candidate, environment, previous, now } = params;
  const { version } = candidate;
  const wait = async (reason: string): Promise<SoakVerdict> => {
    await saveStep(db, candidate, environment, {
      state: "waiting",
      reason,
      soakStartedAt: null,
      gateChecks: [],
    });
    return { kind: "waiting" };
  };

  const [target, deployed] = await Promise.all([
    db.deploymentTarget.findUnique({
      where: {
        applicationId_environmentId: {
          applicationId: candidate.applicationId,
          environmentId: previous.id,
        },
      },
      select: { desiredVersion: true },
    }),
    db.promotion.findFirst({
      where: {
        applicationId: candidate.applicationId,
        toEnvironmentId: previous.id,
        version,
        state: "deployed",
        deployedAt: { not: null, lte: now },
      },
      orderBy: { deployedAt: "desc" },
      select: { deployedAt: true },
    }),
  ]);
  if (!deployed?.deployedAt) {
    return wait(`waiting for ${version} to be deployed in ${previous.name}`);
  }
  if (target?.desiredVersion !== version) {
    // Deployed, but the catalogue does not say so: its import has not caught up, or cannot read the app.
    const problem = await unreadableInCatalogue(db, candidate.application);
    return wait(
      problem
        ? `${version} is deployed in ${previous.name}, but the last import could not read ${problem}; the rules go on once the file is fixed`
        : `waiting for the catalogue to import ${version} in ${previous.name}`,
    );
  }

  const clusters = await db.cluster.findMany({
    where: clustersThatReport(previous.id),
    select: { id: true, name: true, lastSeenAt: true },
    orderBy: { name: "asc" },
  });
  const statuses = await db.syncStatus.findMany({
    where: {
      applicationId: candidate.applicationId,
      environmentId: previous.id,
      deletedAt: null,
      observedAt: { lte: now },
    },
    select: { clusterId: true, syncState: true, health: true },
  });
  for (const cluster of clusters) {
    const own = statuses.filter((s) => s.clusterId === cluster.id);
    if (own.length === 0 || isStale(cluster.lastSeenAt, now, params.staleAfterSeconds)) {
      return wait(`waiting to hear from ${cluster.name} (${previous.name})`);
    }
    const unwell = own.find((s) => s.syncState !== "Synced" || s.health !== "Healthy");
    if (unwell) {
      return wait(
        `${cluster.name} (${previous.name}) reports ${unwell.syncState} and ${unwell.health}; the soak starts again once it is synced and healthy`,
      );
    }
  }

  // The soak counts from the deploy, or from the end of the last trouble since.
  const clusterIds = clusters.map((c) => c.id);
  const lastTrouble = await db.syncStatusChange.findFirst({
    where: {
      applicationId: candidate.applicationId,
      clusterId: { in: clusterIds },
      observedAt: { gt: deployed.deployedAt, lte: now },
      ...TROUBLE,
    },
    orderBy: { observedAt: "desc" },
    select: { observedAt: true, clusterId: true, syncState: true, health: true },
  });
  let soakStartedAt = deployed.deployedAt;
  let interruption: string | null = null;
  if (lastTrouble) {
    const recovery = await db.syncStatusChange.findFirst({
      where: {
        applicationId: candidate.applicationId,
        clusterId: { in: clusterIds },
        observedAt: { gt: lastTrouble.observedAt, lte: now },
      },
      orderBy: { observedAt: "asc" },
      select: { observedAt: true },
    });
    soakStartedAt = recovery?.observedAt ?? lastTrouble.observedAt;
    const cluster = clusters.find((c) => c.id === lastTrouble.clusterId)?.name ?? "a cluster";
    interruption = `the soak started again: ${cluster} reported ${lastTrouble.syncState} and ${lastTrouble.health} at ${lastTrouble.observedAt.toISOString()}`;
  }

  const { soakSeconds, gate } = environment.progression;
  const elapsedSeconds = Math.max(0, (now.getTime() - soakStartedAt.getTime()) / 1000);
  const step = await db.releaseStep.findUnique({
    where: {
      releaseId_environmentId: { releaseId: candidate.releaseId, environmentId: environment.id },
    },
    select: { soakStartedAt: true, gateChecks: true },
  });
  // Checks belong to one healthy stretch: a new stretch checks again from the first.
  const sameStretch = step?.soakStartedAt?.getTime() === soakStartedAt.getTime();
  const checks: GateCheck[] = sameStretch ? gateChecksOf(step?.gateChecks) : [];
  if (gate) {
    const due =
      soakSeconds === 0
        ? gate.checks
        : Math.min(gate.checks, Math.floor((elapsedSeconds * gate.checks) / soakSeconds));
    while (checks.length < due) {
      const check = await params.checkGate({
        gate,
        app: candidate.application,
        environment: previous.name,
        version,
        now,
      });
      checks.push(check);
      if (!check.ok) {
        await saveStep(db, candidate, environment, {
          state: "gate_failed",
          reason: `gate check ${checks.length} of ${gate.checks} failed: ${check.message}`,
          soakStartedAt,
          gateChecks: checks,
        });
        return { kind: "gate_failed" };
      }
    }
  }
  const gatePassed = gate === null || checks.length >= gate.checks;
  if (elapsedSeconds >= soakSeconds && gatePassed) {
    await saveStep(db, candidate, environment, {
      state: "soaking",
      reason: null,
      soakStartedAt,
      gateChecks: checks,
    });
    return { kind: "due" };
  }
  await saveStep(db, candidate, environment, {
    state: "soaking",
    reason: interruption,
    soakStartedAt,
    gateChecks: checks,
  });
  return { kind: "soaking" };
}

/** Where the last good import could not read the application ("file:line:column: message"), if it could not. */
async function unreadableInCatalogue(
  db: PrismaClient,
  application: string,
): Promise<string | null> {
  const [problem] = await listApplicationProblems({ db, slug: application });
  if (!problem) return null;
  const at = [problem.file, problem.line, problem.column].filter((part) => part !== null).join(":");
  return `${at} (${problem.message.slice(0, 300)})`;
}

/** The gate checks stored on a step, ignoring anything malformed. */
export function gateChecksOf(value: unknown): GateCheck[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (item): item is GateCheck =>
      typeof item === "object" &&
      item !== null &&
      typeof (item as { ok?: unknown }).ok === "boolean" &&
      typeof (item as { at?: unknown }).at === "string",
  );
}

/**
 * Opens the release's promotion into the environment as the rule. The step
 * takes the promotion's id inside the promotion's transaction, only while it
 * has none (and the step is unique per release and environment), so two
 * evaluations at once open one promotion. A refusal (a freeze, the order
 * rule, a promotion of the same version already under way) is kept on the
 * step as its reason; the next evaluation tries again, except when someone
 * already promotes the same version.
 */
async function openPromotion(params: {
  ctx: PromotionContext;
  candidate: Candidate;
  environment: RuledEnvironment;
}): Promise<ProgressionOutcome["opened"][number] | null> {
  const { ctx, candidate, environment } = params;
  const db = ctx.db;
  await saveStep(db, candidate, environment, { state: "waiting", reason: null });
  const step = await db.releaseStep.findUniqueOrThrow({
    where: {
      releaseId_environmentId: { releaseId: candidate.releaseId, environmentId: environment.id },
    },
    select: { id: true, promotionId: true, state: true },
  });
  if (step.promotionId !== null || !LIVE_STEPS.includes(step.state)) return null;
  const reason =
    environment.rule === "on-release"
      ? `Release ${candidate.version} was registered; ${environment.name} takes new releases at once (on-release).`
      : `Release ${candidate.version} ran synced and healthy in ${environment.previous?.name ?? "the previous environment"} for the soak (after-healthy).`;
  try {
    const result = await requestPromotion({
      ctx,
      principal: progressionRule({ rule: environment.rule, environment }),
      application: candidate.application,
      environment: environment.name,
      version: candidate.version,
      reason,
      onRequested: async ({ tx, promotionId }) => {
        const claimed = await tx.releaseStep.updateMany({
          where: { id: step.id, promotionId: null, state: { in: LIVE_STEPS } },
          data: { promotionId, state: "promoted", reason: null },
        });
        if (claimed.count !== 1) {
          throw new StepAlreadyTaken();
        }
      },
    });
    return {
      promotionId: result.promotion.id,
      application: candidate.application,
      environment: environment.name,
      version: candidate.version,
    };
  } catch (error) {
    if (error instanceof StepAlreadyTaken) return null;
    if (!isGantryError(error)) throw error;
    const underWay = error.code === "conflict" && typeof error.details?.promotionId === "string";
    await saveStep(db, candidate, environment, {
      state: underWay ? "skipped" : "waiting",
      reason: error.message.slice(0, 1_000),
    });
    return null;
  }
}

/** Another evaluation opened this step's promotion first; this one's request is rolled back. */
class StepAlreadyTaken extends Error {
  constructor() {
    super("the release step already has its promotion");
    this.name = "StepAlreadyTaken";
  }
}
