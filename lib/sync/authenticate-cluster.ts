import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { CLUSTER_TOKEN_PATTERN, hashClusterToken, sameTokenHash } from "./cluster-token";

export interface ReportingCluster {
  id: string;
  name: string;
  environmentId: string;
  environment: string;
}

/**
 * The cluster behind `Authorization: Bearer <cluster token>` for a report to
 * `/clusters/{cluster}/reports`. 401 (unauthenticated) for a missing,
 * malformed, unknown or revoked token; 403 (forbidden) for a valid token of
 * another cluster. Messages never echo the token.
 */
export async function authenticateCluster(params: {
  db: PrismaClient;
  request: Request;
  cluster: string;
}): Promise<ReportingCluster> {
  const header = params.request.headers.get("authorization");
  if (!header) {
    throw new GantryError(
      "unauthenticated",
      "a cluster token is required: send Authorization: Bearer <token> (issue one with `npm run gantry -- cluster token --cluster <name>`)",
    );
  }
  const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (!token || !CLUSTER_TOKEN_PATTERN.test(token)) {
    throw new GantryError(
      "unauthenticated",
      "the Authorization header is not a Gantry cluster token",
    );
  }
  const hash = hashClusterToken(token);
  const cluster = await params.db.cluster.findUnique({
    where: { name: params.cluster },
    select: {
      id: true,
      name: true,
      tokenHash: true,
      archivedAt: true,
      environmentId: true,
      environment: { select: { name: true } },
    },
  });
  if (cluster?.tokenHash && sameTokenHash(cluster.tokenHash, hash)) {
    if (cluster.archivedAt) {
      throw new GantryError(
        "forbidden",
        `cluster ${cluster.name} is no longer in environments.yaml; its reports are not accepted`,
      );
    }
    return {
      id: cluster.id,
      name: cluster.name,
      environmentId: cluster.environmentId,
      environment: cluster.environment.name,
    };
  }
  const owner = await params.db.cluster.findUnique({
    where: { tokenHash: hash },
    select: { name: true },
  });
  if (owner) {
    throw new GantryError(
      "forbidden",
      `this token belongs to another cluster, not to ${params.cluster}`,
    );
  }
  throw new GantryError("unauthenticated", "the cluster token is not valid (unknown or revoked)");
}
