import type { Prisma, PromotionKind, PromotionState } from "@/lib/generated/prisma/client";

/** A promotion as lists and the API show it. Dates are ISO 8601 strings. */
export interface PromotionSummary {
  id: string;
  /** `rollback` takes the environment back to a version it ran before. */
  kind: PromotionKind;
  /** For a rollback: the promotion whose version it takes out, when known. */
  rollsBackId: string | null;
  /** The `gantry/policy` status last posted on the pull request: pending, success or failure. */
  policyStatus: string | null;
  /** Merged on the Git host while `gantry/policy` was not success. */
  mergedOutsidePolicy: boolean;
  application: { slug: string; name: string };
  fromEnvironment: string | null;
  toEnvironment: { name: string; displayName: string };
  version: string;
  previousVersion: string;
  reason: string;
  /** Why the environment's freeze was broken for it (break-glass); null when it was not. */
  breakGlassReason: string | null;
  requestedBy: { name: string; email: string };
  state: PromotionState;
  branch: string;
  prNumber: number | null;
  prUrl: string | null;
  mergeCommit: string | null;
  failureReason: string | null;
  attempts: number;
  supersededById: string | null;
  createdAt: string;
  updatedAt: string;
  prOpenedAt: string | null;
  approvedAt: string | null;
  mergedAt: string | null;
  endedAt: string | null;
  failedAt: string | null;
}

export const summarySelect = {
  id: true,
  kind: true,
  rollsBackId: true,
  policyStatus: true,
  mergedOutsidePolicy: true,
  application: { select: { slug: true, name: true } },
  fromEnvironment: true,
  toEnvironment: { select: { name: true, displayName: true } },
  version: true,
  previousVersion: true,
  reason: true,
  breakGlassReason: true,
  requestedByName: true,
  requestedByEmail: true,
  state: true,
  branch: true,
  prNumber: true,
  prUrl: true,
  mergeCommit: true,
  failureReason: true,
  attempts: true,
  supersededById: true,
  createdAt: true,
  updatedAt: true,
  prOpenedAt: true,
  approvedAt: true,
  mergedAt: true,
  endedAt: true,
  failedAt: true,
} satisfies Prisma.PromotionSelect;

export type PromotionSummaryRow = Prisma.PromotionGetPayload<{ select: typeof summarySelect }>;

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function toSummary(row: PromotionSummaryRow): PromotionSummary {
  return {
    id: row.id,
    kind: row.kind,
    rollsBackId: row.rollsBackId,
    policyStatus: row.policyStatus,
    mergedOutsidePolicy: row.mergedOutsidePolicy,
    application: row.application,
    fromEnvironment: row.fromEnvironment,
    toEnvironment: row.toEnvironment,
    version: row.version,
    previousVersion: row.previousVersion,
    reason: row.reason,
    breakGlassReason: row.breakGlassReason,
    requestedBy: { name: row.requestedByName, email: row.requestedByEmail },
    state: row.state,
    branch: row.branch,
    prNumber: row.prNumber,
    prUrl: row.prUrl,
    mergeCommit: row.mergeCommit,
    failureReason: row.failureReason,
    attempts: row.attempts,
    supersededById: row.supersededById,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    prOpenedAt: iso(row.prOpenedAt),
    approvedAt: iso(row.approvedAt),
    mergedAt: iso(row.mergedAt),
    endedAt: iso(row.endedAt),
    failedAt: iso(row.failedAt),
  };
}
