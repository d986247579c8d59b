import { z } from "zod";
import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { assertCan } from "@/lib/identity/permissions";
import { actorOf, type Principal } from "@/lib/identity/principal";
import { type IssuedClusterToken, registerClusterToken } from "./register-cluster-token";
import { revokeClusterToken } from "./revoke-cluster-token";
import { rotateClusterToken } from "./rotate-cluster-token";

/**
 * Cluster registration by an admin on /clusters ("cluster:manage", checked
 * here): the cluster's name and environment, and its agent token, shown
 * once. A cluster listed in environments.yaml is registered by issuing its
 * token; any other name becomes a cluster registered in the portal, which
 * imports of the GitOps repository leave alone. Token changes are recorded
 * in the audit chain by the token functions.
 */

const ClusterNameSchema = z
  .string({ error: "name: expected a cluster name" })
  .trim()
  .regex(
    /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
    "name: 1–63 lowercase letters, digits or dashes, starting and ending with a letter or digit",
  );

const RegisterClusterSchema = z.object({
  name: ClusterNameSchema,
  environment: z
    .string({ error: "environment: choose an environment" })
    .trim()
    .min(1, "environment: choose an environment"),
});

export async function registerCluster(params: {
  db: PrismaClient;
  principal: Principal | null;
  name: string;
  environment: string;
}): Promise<IssuedClusterToken & { created: boolean }> {
  assertCan(params.principal, "cluster:manage");
  const { db, principal } = params;
  const input = RegisterClusterSchema.safeParse({
    name: params.name,
    environment: params.environment,
  });
  if (!input.success) {
    throw new GantryError(
      "bad_request",
      input.error.issues.map((issue) => issue.message).join("; "),
    );
  }
  const { name, environment } = input.data;
  const env = await db.environment.findFirst({
    where: { name: environment, archivedAt: null },
    select: { id: true, name: true },
  });
  if (!env) {
    throw new GantryError(
      "bad_request",
      `environment: no environment named ${environment} in the catalogue`,
    );
  }
  const existing = await db.cluster.findUnique({
    where: { name },
    select: {
      id: true,
      environmentId: true,
      archivedAt: true,
      tokenHash: true,
      environment: { select: { name: true } },
    },
  });
  let created = false;
  if (existing && existing.archivedAt === null) {
    if (existing.environmentId !== env.id) {
      throw new GantryError(
        "conflict",
        `name: cluster ${name} is already registered for environment ${existing.environment.name}`,
      );
    }
    if (existing.tokenHash !== null) {
      throw new GantryError(
        "conflict",
        `name: cluster ${name} is already registered and has an agent token; rotate or revoke it below`,
      );
    }
  } else if (existing) {
    // Archived (gone from environments.yaml): an admin brings it back, held by the portal.
    await db.cluster.update({
      where: { id: existing.id },
      data: { archivedAt: null, environmentId: env.id, registeredInPortal: true },
      select: { id: true },
    });
    created = true;
  } else {
    await db.cluster.create({
      data: { name, environmentId: env.id, registeredInPortal: true },
      select: { id: true },
    });
    created = true;
  }
  const issued = await registerClusterToken({ db, cluster: name, actor: actorOf(principal) });
  return { ...issued, created };
}

/** A new token for a cluster's agent; the old one stops working at once. */
export async function rotateClusterAgentToken(params: {
  db: PrismaClient;
  principal: Principal | null;
  cluster: string;
}): Promise<IssuedClusterToken> {
  assertCan(params.principal, "cluster:manage");
  const cluster = clusterName(params.cluster);
  return rotateClusterToken({ db: params.db, cluster, actor: actorOf(params.principal) });
}

/** Removes a cluster's agent token: its reports get 401 until a new one is issued. */
export async function revokeClusterAgentToken(params: {
  db: PrismaClient;
  principal: Principal | null;
  cluster: string;
}): Promise<{ revoked: boolean }> {
  assertCan(params.principal, "cluster:manage");
  const cluster = clusterName(params.cluster);
  return revokeClusterToken({ db: params.db, cluster, actor: actorOf(params.principal) });
}

function clusterName(value: string): string {
  const parsed = ClusterNameSchema.safeParse(value);
  if (!parsed.success) {
    throw new GantryError(
      "bad_request",
      parsed.error.issues.map((issue) => issue.message).join("; "),
    );
  }
  return parsed.data;
}

/** The environments a cluster can be registered for: the catalogue's active ones, in order. */
export async function listClusterEnvironments(params: {
  db: PrismaClient;
}): Promise<{ name: string; displayName: string }[]> {
  return params.db.environment.findMany({
    where: { archivedAt: null },
    select: { name: true, displayName: true },
    orderBy: { position: "asc" },
  });
}
