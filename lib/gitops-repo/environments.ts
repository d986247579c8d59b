import { z } from "zod";
import { type ParseResult, parseWithSchema } from "@/lib/gitops-repo/located";
import { EnvironmentPolicyFromYaml } from "@/lib/gitops-repo/policy/normalise";
import { slug } from "@/lib/gitops-repo/schema-parts";

const ClusterSchema = z.object({
  name: slug,
  region: z.string().min(1).max(100).optional(),
  provider: z.string().min(1).max(100).optional(),
});

export const EnvironmentSchema = z.object({
  name: slug,
  displayName: z.string().trim().min(1).max(100),
  description: z.string().max(2000).optional(),
  clusters: z.array(ClusterSchema).min(1),
  // Approvals, promotion order, freezes and auto-merge, checked strictly and
  // normalised (an environment without a policy gets DEFAULT_POLICY).
  policy: EnvironmentPolicyFromYaml,
});

/**
 * `environments.yaml`: environments in delivery order (the first is where
 * releases land, the last is production), each with the clusters it runs on.
 * Names are unique; a cluster belongs to one environment.
 */
const EnvironmentsFileSchema = z.object({
  environments: z
    .array(EnvironmentSchema)
    .min(1)
    .superRefine((list, ctx) => checkEnvironmentList(list, ctx)),
});

/** Names are unique and a cluster belongs to one environment; shared with gantry.yaml's inline list. */
export function checkEnvironmentList(
  environments: readonly z.output<typeof EnvironmentSchema>[],
  ctx: z.core.$RefinementCtx,
  prefix: PropertyKey[] = [],
): void {
  const environmentNames = new Set<string>();
  const clusterOwners = new Map<string, string>();
  environments.forEach((environment, index) => {
    if (environmentNames.has(environment.name)) {
      ctx.addIssue({
        code: "custom",
        path: [...prefix, index, "name"],
        message: `environment "${environment.name}" is listed twice`,
      });
    }
    environmentNames.add(environment.name);
    environment.clusters.forEach((cluster, clusterIndex) => {
      const owner = clusterOwners.get(cluster.name);
      if (owner !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [...prefix, index, "clusters", clusterIndex, "name"],
          message: `cluster "${cluster.name}" is already listed under environment "${owner}"`,
        });
      }
      clusterOwners.set(cluster.name, environment.name);
    });
  });
}

export type EnvironmentsFile = z.output<typeof EnvironmentsFileSchema>;

/** Parses environments.yaml; every mistake comes back located, nothing is thrown. */
export function parseEnvironments(text: string, filePath: string): ParseResult<EnvironmentsFile> {
  return parseWithSchema(text, filePath, EnvironmentsFileSchema, {
    emptyMessage: "the file is empty; it needs an environments: list",
  });
}
