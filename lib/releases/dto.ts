import type { Prisma } from "@/lib/generated/prisma/client";

/**
 * The token id the demo feed registers releases under (it plays CI in the
 * embedded default). No real token has it, so a release registered under it
 * is a demo release, and every list labels it so.
 */
export const DEMO_CI_TOKEN_ID = "00000000-0000-4000-8000-00000000de70";

/** A release as the API and the app page show it. Dates are ISO 8601 strings. */
export interface ReleaseSummary {
  id: string;
  application: string;
  version: string;
  source: "git" | "api";
  digest: string | null;
  sourceRepository: string | null;
  commit: string | null;
  buildUrl: string | null;
  notes: string | null;
  registeredBy: { kind: string; name: string } | null;
  /** Registered by Gantry's demo feed, not by a CI pipeline. */
  demo: boolean;
  registeredAt: string | null;
  firstSeenAt: string;
}

export const releaseSelect = {
  id: true,
  application: { select: { slug: true } },
  version: true,
  source: true,
  commit: true,
  digest: true,
  sourceRepository: true,
  sourceCommit: true,
  buildUrl: true,
  notes: true,
  registeredByKind: true,
  registeredById: true,
  registeredByName: true,
  registeredAt: true,
  firstSeenAt: true,
} satisfies Prisma.ReleaseSelect;

export type ReleaseRow = Prisma.ReleaseGetPayload<{ select: typeof releaseSelect }>;

export function toReleaseSummary(row: ReleaseRow): ReleaseSummary {
  return {
    id: row.id,
    application: row.application.slug,
    version: row.version,
    source: row.source,
    digest: row.digest,
    sourceRepository: row.sourceRepository,
    commit: row.sourceCommit ?? row.commit,
    buildUrl: row.buildUrl,
    notes: row.notes,
    registeredBy:
      row.registeredByKind !== null && row.registeredByName !== null
        ? { kind: row.registeredByKind, name: row.registeredByName }
        : null,
    demo: row.registeredById === DEMO_CI_TOKEN_ID,
    registeredAt: row.registeredAt?.toISOString() ?? null,
    firstSeenAt: row.firstSeenAt.toISOString(),
  };
}
