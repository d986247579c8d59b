import { z } from "zod";
import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { httpUrl } from "@/lib/gitops-repo/schema-parts";
import { assertCan } from "@/lib/identity/permissions";
import { actorOf, type Principal } from "@/lib/identity/principal";
import { applicationTeam } from "@/lib/promotion/promotion-resource";
import { type ReleaseSummary, releaseSelect, toReleaseSummary } from "@/lib/releases/dto";
import type { ReleaseJobs } from "@/lib/releases/types";

const MAX_NOTES_LENGTH = 10_000;

/**
 * What CI sends to register a release, from the API (POST /api/v1/releases)
 * and the CLI (`gantry release create`): one schema, one set of words.
 */
export const RegisterReleaseInput = z.strictObject({
  app: z
    .string({ error: "the application slug is required" })
    .trim()
    .min(1, "the application slug is required")
    .max(63, "at most 63 characters"),
  // An image tag's alphabet, so the version can land in a values file as written.
  version: z
    .string({ error: "the version is required" })
    .trim()
    .regex(
      /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$/,
      "must be 1–128 letters, digits, dots, dashes, pluses or underscores, not starting with a dot or dash",
    ),
  digest: z
    .string()
    .trim()
    .regex(/^sha256:[0-9a-f]{64}$/, "must be an image digest: sha256: and 64 hex digits")
    .optional(),
  sourceRepository: httpUrl.optional(),
  commit: z
    .string()
    .trim()
    .regex(/^[0-9a-f]{7,64}$/, "must be a commit SHA (7–64 hex digits)")
    .optional(),
  buildUrl: httpUrl.optional(),
  notes: z.string().max(MAX_NOTES_LENGTH, `at most ${MAX_NOTES_LENGTH} characters`).optional(),
});
export type RegisterReleaseInput = z.infer<typeof RegisterReleaseInput>;

export interface RegisterReleaseResult {
  release: ReleaseSummary;
  /** False when the same version was registered before: a retry, answered with what exists. */
  created: boolean;
}

/**
 * Registers a version CI built. Idempotent on application and version: a
 * retry gets the release that exists (created: false); the same version with
 * another image digest is refused (conflict), since one version must be one
 * build. A version the importer already saw in Git is completed with what CI
 * says. The row, its `release.registered` audit event and the progression
 * evaluation it asks for are one transaction.
 */
export async function registerRelease(params: {
  db: PrismaClient;
  jobs: ReleaseJobs;
  principal: Principal;
  input: RegisterReleaseInput;
  now?: Date;
}): Promise<RegisterReleaseResult> {
  const { db, principal, input } = params;
  const team = await applicationTeam(db, input.app);
  assertCan(principal, "release:register", { team });
  const actor = actorOf(principal);
  const now = params.now ?? new Date();
  return db.$transaction(
    async (tx) => {
      // Two registrations of one version at once: the second waits and finds the first.
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`gantry:release:${input.app}:${input.version}`}))`;
      const application = await tx.application.findUniqueOrThrow({
        where: { slug: input.app },
        select: { id: true },
      });
      const existing = await tx.release.findUnique({
        where: { applicationId_version: { applicationId: application.id, version: input.version } },
        select: { ...releaseSelect, registeredAt: true },
      });
      if (existing?.registeredAt) {
        if (input.digest && existing.digest && input.digest !== existing.digest) {
          throw new GantryError(
            "conflict",
            `${input.app} ${input.version} is already registered with digest ${existing.digest}; a version is one build, so register the new build under a new version`,
            {
              details: {
                field: "digest",
                registeredDigest: existing.digest,
                releaseId: existing.id,
              },
            },
          );
        }
        return { release: toReleaseSummary(existing), created: false };
      }
      const registration = {
        digest: input.digest ?? null,
        sourceRepository: input.sourceRepository ?? null,
        sourceCommit: input.commit ?? null,
        buildUrl: input.buildUrl ?? null,
        notes: input.notes ?? null,
        registeredByKind: actor.kind,
        registeredById: actor.id,
        registeredByName: actor.name,
        registeredAt: now,
      };
      const row = existing
        ? await tx.release.update({
            where: { id: existing.id },
            data: registration,
            select: releaseSelect,
          })
        : await tx.release.create({
            data: {
              applicationId: application.id,
              version: input.version,
              source: "api",
              firstSeenAt: now,
              ...registration,
            },
            select: releaseSelect,
          });
      await params.jobs.requestProgression({
        reason: `release ${input.app} ${input.version} registered`,
        tx,
      });
      await recordAuditEvent(tx, {
        actor,
        action: "release.registered",
        target: { type: "release", id: row.id, application: input.app, team },
        detail: {
          version: input.version,
          ...(input.digest ? { digest: input.digest } : {}),
          ...(input.commit ? { commit: input.commit } : {}),
          ...(input.buildUrl ? { buildUrl: input.buildUrl } : {}),
        },
      });
      return { release: toReleaseSummary(row), created: true };
    },
    { maxWait: 10_000, timeout: 30_000 },
  );
}
