/*
 * lib/events owns live updates: Postgres LISTEN/NOTIFY of promotion and status changes, turned
 * into Server-Sent Events.
 */

import { z } from "zod";
import type { Prisma } from "@/lib/generated/prisma/client";

/**
 * What the portal tells open pages when something they show has changed:
 * a small JSON payload on the Postgres channel `gantry_changes`, sent with
 * `pg_notify` inside the transaction that made the change (so it is
 * delivered on commit, and never for a change that rolled back). Pages
 * re-read what they show; the payload only says where to look.
 */
export const CHANGES_CHANNEL = "gantry_changes";

/** A sync report naming more applications than this says "any application". */
const MAX_NAMED_APPLICATIONS = 50;

export const ChangeEventSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("promotion"),
    promotionId: z.string(),
    application: z.string().optional(),
    state: z.string().optional(),
  }),
  z.object({
    kind: z.literal("sync"),
    cluster: z.string().optional(),
    /** The applications whose status changed; absent when there were too many to name. */
    applications: z.array(z.string()).optional(),
  }),
]);
export type ChangeEvent = z.infer<typeof ChangeEventSchema>;

/** Tells listeners, on commit, that a promotion changed (its state, or data on it). */
export async function notifyPromotionChange(
  tx: Prisma.TransactionClient,
  promotionId: string,
): Promise<void> {
  await tx.$executeRaw`
    SELECT pg_notify(${CHANGES_CHANNEL}, json_build_object(
      'kind', 'promotion', 'promotionId', p."id", 'application', a."slug", 'state', p."state")::text)
    FROM "Promotion" p JOIN "Application" a ON a."id" = p."applicationId"
    WHERE p."id" = ${promotionId}::uuid`;
}

/**
 * The notification that a promotion changed, for a caller that sends it
 * beside another statement of its transaction (an audit event's append),
 * knowing the promotion's application and its state as of that statement.
 */
export function promotionChangeNotification(params: {
  promotionId: string;
  application: string;
  state: string;
}): { channel: string; payload: string } {
  const event: ChangeEvent = { kind: "promotion", ...params };
  return { channel: CHANGES_CHANNEL, payload: JSON.stringify(event) };
}

/** Tells listeners, on commit, that a cluster's report changed the status of these applications. */
export async function notifySyncChange(
  tx: Prisma.TransactionClient,
  params: { cluster: string; applications: readonly string[] | null },
): Promise<void> {
  const event: ChangeEvent = {
    kind: "sync",
    cluster: params.cluster,
    ...(params.applications !== null && params.applications.length <= MAX_NAMED_APPLICATIONS
      ? { applications: [...params.applications] }
      : {}),
  };
  await tx.$executeRaw`SELECT pg_notify(${CHANGES_CHANNEL}, ${JSON.stringify(event)})`;
}

/**
 * Which changes a subscriber wants: everything, or those about a promotion
 * or an application. A promotion's page passes both its id and its
 * application, since it also shows the application's status in the clusters.
 */
export interface ChangeFilter {
  promotionId?: string;
  application?: string;
}

export function matchesFilter(event: ChangeEvent, filter: ChangeFilter): boolean {
  if (filter.promotionId === undefined && filter.application === undefined) return true;
  if (event.kind === "promotion") {
    return (
      (filter.promotionId !== undefined && event.promotionId === filter.promotionId) ||
      (filter.application !== undefined && event.application === filter.application)
    );
  }
  if (filter.application === undefined) return false;
  return event.applications === undefined || event.applications.includes(filter.application);
}
