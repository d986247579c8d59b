import type { PrismaClient } from "@/lib/generated/prisma/client";
import { type PolicySummary, summarisePolicy } from "@/lib/policy/describe";
import { readPolicy } from "@/lib/policy/read-policy";

/** An environment with its clusters and its policy in words, for /environments and the promote page. */
export interface EnvironmentPolicyView {
  id: string;
  name: string;
  displayName: string;
  description: string;
  /** The environment before it in delivery order; null for the first. */
  previous: string | null;
  clusters: { name: string; region: string | null; provider: string | null }[];
  policy: PolicySummary;
}

/** Every active environment in delivery order, each with its policy as it stands at `now`. */
export async function listEnvironmentPolicies(params: {
  db: PrismaClient;
  now?: Date;
}): Promise<EnvironmentPolicyView[]> {
  const now = params.now ?? new Date();
  const rows = await params.db.environment.findMany({
    where: { archivedAt: null },
    orderBy: { position: "asc" },
    select: {
      id: true,
      name: true,
      displayName: true,
      description: true,
      policy: true,
      clusters: {
        where: { archivedAt: null },
        orderBy: { name: "asc" },
        select: { name: true, region: true, provider: true },
      },
    },
  });
  return rows.map((row, index) => {
    const previous = index > 0 ? (rows[index - 1]?.name ?? null) : null;
    return {
      id: row.id,
      name: row.name,
      displayName: row.displayName,
      description: row.description,
      previous,
      clusters: row.clusters,
      policy: summarisePolicy({
        environment: row.name,
        previousEnvironment: previous,
        policy: readPolicy(row.policy, { environment: row.name }),
        now,
      }),
    };
  });
}
