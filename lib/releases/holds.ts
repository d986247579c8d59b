/*
 * lib/releases owns what happens to a version after CI built it: holds on rolled-back versions,
 * rollbacks (by a person or by the environment's rule) and, beside them, progression rules.
 */

import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { GantryError } from "@/lib/errors";
import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import type { Actor } from "@/lib/identity/actor";

type Reader = Pick<PrismaClient, "releaseHold" | "environment">;

/** A hold as pages and the API show it. */
export interface ReleaseHoldView {
  id: string;
  application: string;
  /** Where it was rolled back; the hold covers this environment and every later one. */
  environment: string;
  version: string;
  reason: string;
  heldBy: string;
  /** ISO 8601 */
  createdAt: string;
  rollbackPromotionId: string | null;
}

const holdSelect = {
  id: true,
  version: true,
  reason: true,
  heldByName: true,
  createdAt: true,
  rollbackPromotionId: true,
  application: { select: { slug: true } },
  environment: { select: { name: true, position: true } },
} satisfies Prisma.ReleaseHoldSelect;

type HoldRow = Prisma.ReleaseHoldGetPayload<{ select: typeof holdSelect }>;

function toView(row: HoldRow): ReleaseHoldView {
  return {
    id: row.id,
    application: row.application.slug,
    environment: row.environment.name,
    version: row.version,
    reason: row.reason,
    heldBy: row.heldByName,
    createdAt: row.createdAt.toISOString(),
    rollbackPromotionId: row.rollbackPromotionId,
  };
}

/**
 * Holds `version` of an application in an environment and every later one,
 * inside `tx` with its audit event (`release.held`). A version already held
 * there is not held twice: the existing hold stands and nothing is recorded.
 */
export async function placeHold(params: {
  tx: Prisma.TransactionClient;
  application: { id: string; slug: string; team: string };
  environment: { id: string; name: string };
  version: string;
  reason: string;
  rollbackPromotionId: string | null;
  actor: Actor;
}): Promise<{ id: string; created: boolean }> {
  const { tx, application, environment, version, actor } = params;
  // Serialises holds of one version in one environment: never two active at once.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`gantry:hold:${application.id}:${environment.id}:${version}`}))`;
  const existing = await tx.releaseHold.findFirst({
    where: {
      applicationId: application.id,
      environmentId: environment.id,
      version,
      releasedAt: null,
    },
    select: { id: true },
  });
  if (existing) return { id: existing.id, created: false };
  const hold = await tx.releaseHold.create({
    data: {
      applicationId: application.id,
      environmentId: environment.id,
      version,
      reason: params.reason.slice(0, 2_000),
      rollbackPromotionId: params.rollbackPromotionId,
      heldByName: actor.name,
      heldByEmail: actor.email,
    },
    select: { id: true },
  });
  await recordAuditEvent(tx, {
    actor,
    action: "release.held",
    target: {
      type: "application",
      id: hold.id,
      application: application.slug,
      team: application.team,
      environment: environment.name,
      promotionId: params.rollbackPromotionId,
    },
    detail: { version, reason: params.reason, holdId: hold.id },
  });
  return { id: hold.id, created: true };
}

/**
 * The hold that keeps `version` of `application` out of `environment`, if
 * any: one placed in that environment or an earlier one (by position) and
 * not released. Progression rules ask this before they open a promotion.
 */
export async function findActiveHold(params: {
  db: Reader;
  application: string;
  environment: string;
  version: string;
}): Promise<ReleaseHoldView | null> {
  const { db } = params;
  const target = await db.environment.findUnique({
    where: { name: params.environment },
    select: { position: true },
  });
  if (!target) return null;
  const row = await db.releaseHold.findFirst({
    where: {
      application: { slug: params.application },
      version: params.version,
      releasedAt: null,
      environment: { position: { lte: target.position } },
    },
    orderBy: { createdAt: "asc" },
    select: holdSelect,
  });
  return row ? toView(row) : null;
}

/** Whether a rule may not promote `version` of `application` into `environment` (see findActiveHold). */
export async function isVersionHeld(params: {
  db: Reader;
  application: string;
  environment: string;
  version: string;
}): Promise<boolean> {
  return (await findActiveHold(params)) !== null;
}

/** isVersionHeld for callers that know the application and environment by id (the progression rules). */
export async function isVersionHeldById(params: {
  db: Reader;
  applicationId: string;
  environmentId: string;
  version: string;
}): Promise<boolean> {
  const target = await params.db.environment.findUnique({
    where: { id: params.environmentId },
    select: { position: true },
  });
  if (!target) return false;
  const row = await params.db.releaseHold.findFirst({
    where: {
      applicationId: params.applicationId,
      version: params.version,
      releasedAt: null,
      environment: { position: { lte: target.position } },
    },
    select: { id: true },
  });
  return row !== null;
}

/** The holds in force on an application's versions, newest first. */
export async function listActiveHolds(params: {
  db: Pick<PrismaClient, "releaseHold">;
  application: string;
}): Promise<ReleaseHoldView[]> {
  const rows = await params.db.releaseHold.findMany({
    where: { application: { slug: params.application }, releasedAt: null },
    orderBy: { createdAt: "desc" },
    take: 200,
    select: holdSelect,
  });
  return rows.map(toView);
}

/** listActiveHolds for the API: an unknown application is not_found, not an empty list. */
export async function listApplicationHolds(params: {
  db: Pick<PrismaClient, "releaseHold" | "application">;
  application: string;
}): Promise<{ application: string; items: ReleaseHoldView[] }> {
  const app = await params.db.application.findUnique({
    where: { slug: params.application },
    select: { id: true },
  });
  if (!app) {
    throw new GantryError("not_found", `No application named "${params.application}"`, {
      details: { field: "application" },
    });
  }
  return {
    application: params.application,
    items: await listActiveHolds({ db: params.db, application: params.application }),
  };
}
