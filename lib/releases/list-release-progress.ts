import { isSafeHref } from "@/lib/catalogue/safe-link";
import type { PrismaClient, PromotionState } from "@/lib/generated/prisma/client";
import { readPolicy } from "@/lib/policy/read-policy";
import { DEMO_CI_TOKEN_ID } from "@/lib/releases/dto";
import { gateChecksOf } from "@/lib/releases/evaluate-progression";

/** How one environment stands with one release, for the app page. */
export interface ReleaseStepView {
  environment: string;
  /** done: runs there; active: on its way (soaking, pull request open); stopped: will not go on by itself. */
  tone: "done" | "active" | "waiting" | "stopped" | "none";
  /** "deployed", "soaking 12 of 30 min", "waiting for approval", "gate failed: …". */
  text: string;
  promotionId: string | null;
}

export interface ReleaseProgressView {
  id: string;
  version: string;
  registeredAt: Date;
  registeredBy: string | null;
  /** Registered by Gantry's demo feed, not by a CI pipeline: the page labels it. */
  demo: boolean;
  /** Where a rollback held this version (it and every later environment); null when not held. */
  heldIn: string | null;
  digest: string | null;
  notes: string | null;
  /** Only http(s) links; anything else is dropped, never rendered. */
  buildUrl: string | null;
  commit: { sha: string; url: string | null } | null;
  steps: ReleaseStepView[];
}

const RECENT_RELEASES = 10;

/**
 * An application's registered releases, newest first, each with where it is
 * in every environment: from its promotion there when there is one, else
 * from the progression rule's step (soaking, waiting, stopped by a gate),
 * else whether the environment already runs it.
 */
export async function listReleaseProgress(params: {
  db: PrismaClient;
  application: string;
  now?: Date;
  limit?: number;
  /** These releases only (one page of the API's list), registered by CI or first seen in Git. */
  releaseIds?: readonly string[];
}): Promise<ReleaseProgressView[]> {
  const { db } = params;
  const now = params.now ?? new Date();
  const application = await db.application.findUnique({
    where: { slug: params.application },
    select: { id: true },
  });
  if (!application) return [];
  const releases = await db.release.findMany({
    where: params.releaseIds
      ? { applicationId: application.id, id: { in: [...params.releaseIds] } }
      : { applicationId: application.id, registeredAt: { not: null } },
    orderBy: [{ registeredAt: "desc" }, { id: "desc" }],
    take: params.releaseIds ? params.releaseIds.length : (params.limit ?? RECENT_RELEASES),
    select: {
      id: true,
      version: true,
      registeredAt: true,
      firstSeenAt: true,
      registeredById: true,
      registeredByName: true,
      digest: true,
      notes: true,
      buildUrl: true,
      sourceRepository: true,
      sourceCommit: true,
      steps: {
        select: {
          environmentId: true,
          state: true,
          reason: true,
          soakStartedAt: true,
          gateChecks: true,
        },
      },
    },
  });
  if (releases.length === 0) return [];
  const [environments, targets, promotions, holds] = await Promise.all([
    db.environment.findMany({
      where: { archivedAt: null },
      orderBy: { position: "asc" },
      select: { id: true, name: true, policy: true },
    }),
    db.deploymentTarget.findMany({
      where: { applicationId: application.id, archivedAt: null },
      select: { environmentId: true, desiredVersion: true },
    }),
    db.promotion.findMany({
      where: { applicationId: application.id, version: { in: releases.map((r) => r.version) } },
      orderBy: { createdAt: "desc" },
      select: {
        id: true,
        version: true,
        toEnvironmentId: true,
        state: true,
        failureReason: true,
      },
    }),
    db.releaseHold.findMany({
      where: {
        applicationId: application.id,
        releasedAt: null,
        version: { in: releases.map((r) => r.version) },
      },
      orderBy: { environment: { position: "asc" } },
      select: { version: true, environment: { select: { name: true } } },
    }),
  ]);
  const deployedTo = environments.filter((e) => targets.some((t) => t.environmentId === e.id));
  return releases.map((release) => ({
    id: release.id,
    version: release.version,
    registeredAt: release.registeredAt ?? release.firstSeenAt,
    registeredBy: release.registeredByName,
    demo: release.registeredById === DEMO_CI_TOKEN_ID,
    heldIn: holds.find((hold) => hold.version === release.version)?.environment.name ?? null,
    digest: release.digest,
    notes: release.notes,
    buildUrl: release.buildUrl && isSafeHref(release.buildUrl) ? release.buildUrl : null,
    commit: release.sourceCommit
      ? {
          sha: release.sourceCommit,
          url: commitUrl(release.sourceRepository, release.sourceCommit),
        }
      : null,
    steps: deployedTo.map((environment) => {
      const promotion = promotions.find(
        (p) => p.version === release.version && p.toEnvironmentId === environment.id,
      );
      if (promotion) {
        const required = readPolicy(environment.policy, { environment: environment.name }).approvals
          .required;
        return {
          environment: environment.name,
          promotionId: promotion.id,
          ...promotionStep(promotion.state, promotion.failureReason, required),
        };
      }
      const step = release.steps.find((s) => s.environmentId === environment.id);
      const progression = readPolicy(environment.policy).progression;
      if (step) {
        return {
          environment: environment.name,
          promotionId: null,
          ...ruleStep(step, progression.soakSeconds, now),
        };
      }
      const runs = targets.find((t) => t.environmentId === environment.id)?.desiredVersion;
      return {
        environment: environment.name,
        promotionId: null,
        ...(runs === release.version
          ? { tone: "done" as const, text: "runs it" }
          : { tone: "none" as const, text: progression.autoPromote === "manual" ? "manual" : "—" }),
      };
    }),
  }));
}

function promotionStep(
  state: PromotionState,
  failureReason: string | null,
  requiredApprovals: number,
): Pick<ReleaseStepView, "tone" | "text"> {
  switch (state) {
    case "deployed":
      return { tone: "done", text: "deployed" };
    case "merged":
    case "syncing":
      return { tone: "active", text: "syncing" };
    case "approved":
      return { tone: "active", text: "approved, waiting to merge" };
    case "pr_open":
      return requiredApprovals > 0
        ? { tone: "waiting", text: "waiting for approval" }
        : { tone: "active", text: "pull request open" };
    case "planned":
      return { tone: "active", text: "opening pull request" };
    case "failed":
      return {
        tone: "stopped",
        text: `failed${failureReason ? `: ${failureReason.slice(0, 200)}` : ""}`,
      };
    case "superseded":
      return { tone: "stopped", text: "superseded by a newer promotion" };
    case "rolled_back":
      return { tone: "stopped", text: "rolled back" };
    case "rejected":
    case "closed":
      return { tone: "stopped", text: state };
  }
}

function ruleStep(
  step: { state: string; reason: string | null; soakStartedAt: Date | null; gateChecks: unknown },
  soakSeconds: number,
  now: Date,
): Pick<ReleaseStepView, "tone" | "text"> {
  switch (step.state) {
    case "soaking": {
      const elapsed = step.soakStartedAt
        ? Math.max(0, Math.floor((now.getTime() - step.soakStartedAt.getTime()) / 60_000))
        : 0;
      const total = Math.ceil(soakSeconds / 60);
      const checks = gateChecksOf(step.gateChecks);
      const gate = checks.length > 0 ? `, gate ${checks.length} passed` : "";
      return { tone: "active", text: `soaking ${Math.min(elapsed, total)} of ${total} min${gate}` };
    }
    case "gate_failed":
      return { tone: "stopped", text: step.reason ?? "gate failed" };
    case "superseded":
      return { tone: "stopped", text: step.reason ?? "superseded" };
    case "skipped":
      return { tone: "stopped", text: step.reason ?? "skipped" };
    case "promoted":
      return { tone: "active", text: "promotion opened" };
    default:
      return { tone: "waiting", text: step.reason ?? "waiting" };
  }
}

/** The commit's page on GitHub, GitLab or Bitbucket-like hosts: `<repository>/commit/<sha>`, http(s) only. */
function commitUrl(repository: string | null, sha: string): string | null {
  if (!repository || !isSafeHref(repository)) return null;
  return `${repository.replace(/\.git$/, "").replace(/\/+$/, "")}/commit/${encodeURIComponent(sha)}`;
}
