import { recordAuditEvent } from "@/lib/audit/record-audit-event";
import { GantryError } from "@/lib/errors";
import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import { type Actor, GANTRY_ACTOR } from "@/lib/identity/actor";
import { generateClusterToken, hashClusterToken } from "./cluster-token";

export interface IssuedClusterToken {
  cluster: string;
  /** The plain token: in this result and nowhere else, ever. */
  token: string;
  createdAt: Date;
}

/**
 * Issues the first agent token of a cluster. A cluster that already has one
 * keeps it: replacing a working token is a rotation, asked for explicitly
 * (`rotateClusterToken`), so a repeated command cannot cut an agent off.
 */
export async function registerClusterToken(params: {
  db: PrismaClient;
  cluster: string;
  /** Who asked (recorded in the audit chain); Gantry itself by default (the CLI, the demo feed). */
  actor?: Actor;
}): Promise<IssuedClusterToken> {
  const token = generateClusterToken();
  const createdAt = new Date();
  const count = await params.db.$transaction(async (tx) => {
    const { count } = await tx.cluster.updateMany({
      where: { name: params.cluster, archivedAt: null, tokenHash: null },
      data: { tokenHash: hashClusterToken(token), tokenCreatedAt: createdAt },
    });
    if (count > 0)
      await recordClusterTokenEvent(tx, params.cluster, "cluster.token_registered", params.actor);
    return count;
  });
  if (count === 0) {
    const cluster = await findActiveCluster(params.db, params.cluster);
    if (cluster.hasToken) {
      throw new GantryError(
        "conflict",
        `cluster ${params.cluster} already has an agent token; rotate it (--rotate) or revoke it (--revoke)`,
      );
    }
    throw new GantryError("conflict", `cluster ${params.cluster} changed meanwhile; try again`);
  }
  return { cluster: params.cluster, token, createdAt };
}

/** Looks up a cluster that is still in environments.yaml; not_found otherwise. */
export async function findActiveCluster(
  db: PrismaClient,
  name: string,
): Promise<{ id: string; hasToken: boolean }> {
  const cluster = await db.cluster.findUnique({
    where: { name },
    select: { id: true, archivedAt: true, tokenHash: true },
  });
  if (!cluster || cluster.archivedAt) {
    throw new GantryError(
      "not_found",
      `no cluster named ${name} (clusters come from environments.yaml in the GitOps repository)`,
    );
  }
  return { id: cluster.id, hasToken: cluster.tokenHash !== null };
}

/** One cluster token change in the audit chain, in the change's transaction; never the token. */
export async function recordClusterTokenEvent(
  tx: Prisma.TransactionClient,
  cluster: string,
  action: "cluster.token_registered" | "cluster.token_rotated" | "cluster.token_revoked",
  actor: Actor = GANTRY_ACTOR,
): Promise<void> {
  await recordAuditEvent(tx, {
    actor,
    action,
    target: { type: "cluster", id: cluster, cluster },
  });
}
