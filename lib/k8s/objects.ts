import { z } from "zod";
import type { StatusItem } from "@/lib/sync-status/report";

/**
 * The fields Gantry reads from the objects it watches, parsed leniently: a
 * field of an unexpected type reads as absent instead of failing the whole
 * object, because controllers of other versions may write shapes we do not
 * know. Everything else on the object is ignored.
 */

const text = z.string().optional().catch(undefined);
const count = z.number().int().optional().catch(undefined);
const flag = z.boolean().optional().catch(undefined);
const stringMap = z.record(z.string(), z.string()).optional().catch(undefined);

const Metadata = z.looseObject({
  name: z.string().min(1),
  namespace: z.string().min(1).optional().catch(undefined),
  generation: count,
  annotations: stringMap,
  labels: stringMap,
});

const Condition = z.looseObject({
  type: z.string(),
  status: z.string(),
  reason: text,
  message: text,
});
const Conditions = z.array(Condition).optional().catch(undefined);

const ArgoSource = z.looseObject({ path: text, repoURL: text, targetRevision: text });

export const ArgoApplicationSchema = z.looseObject({
  metadata: Metadata,
  spec: z
    .looseObject({
      source: ArgoSource.optional().catch(undefined),
      sources: z.array(ArgoSource).optional().catch(undefined),
    })
    .optional()
    .catch(undefined),
  status: z
    .looseObject({
      sync: z
        .looseObject({ status: text, revision: text, revisions: z.array(z.string()).optional() })
        .optional()
        .catch(undefined),
      health: z.looseObject({ status: text, message: text }).optional().catch(undefined),
      operationState: z
        .looseObject({
          phase: text,
          message: text,
          operation: z
            .looseObject({
              sync: z.looseObject({ revision: text }).optional().catch(undefined),
            })
            .optional()
            .catch(undefined),
          syncResult: z.looseObject({ revision: text }).optional().catch(undefined),
        })
        .optional()
        .catch(undefined),
      conditions: z
        .array(z.looseObject({ type: z.string(), message: text }))
        .optional()
        .catch(undefined),
    })
    .optional()
    .catch(undefined),
});

export const FluxKustomizationSchema = z.looseObject({
  metadata: Metadata,
  spec: z.looseObject({ path: text, suspend: flag }).optional().catch(undefined),
  status: z
    .looseObject({
      observedGeneration: count,
      conditions: Conditions,
      lastAppliedRevision: text,
      lastAttemptedRevision: text,
    })
    .optional()
    .catch(undefined),
});

export const FluxHelmReleaseSchema = z.looseObject({
  metadata: Metadata,
  spec: z.looseObject({ suspend: flag }).optional().catch(undefined),
  status: z
    .looseObject({
      observedGeneration: count,
      conditions: Conditions,
      lastAttemptedRevision: text,
      history: z
        .array(
          z.looseObject({
            chartName: text,
            chartVersion: text,
            appVersion: text,
            status: text,
            version: count,
          }),
        )
        .optional()
        .catch(undefined),
    })
    .optional()
    .catch(undefined),
});

export const DeploymentSchema = z.looseObject({
  metadata: Metadata,
  spec: z
    .looseObject({
      replicas: count,
      paused: flag,
      template: z
        .looseObject({
          spec: z
            .looseObject({
              containers: z
                .array(z.looseObject({ image: text }))
                .optional()
                .catch(undefined),
            })
            .optional()
            .catch(undefined),
        })
        .optional()
        .catch(undefined),
    })
    .optional()
    .catch(undefined),
  status: z
    .looseObject({
      observedGeneration: count,
      replicas: count,
      updatedReplicas: count,
      readyReplicas: count,
      availableReplicas: count,
      unavailableReplicas: count,
      conditions: Conditions,
    })
    .optional()
    .catch(undefined),
});

export type ArgoApplication = z.infer<typeof ArgoApplicationSchema>;
export type FluxKustomization = z.infer<typeof FluxKustomizationSchema>;
export type FluxHelmRelease = z.infer<typeof FluxHelmReleaseSchema>;
export type Deployment = z.infer<typeof DeploymentSchema>;
export type Condition = z.infer<typeof Condition>;
export type SourceKind = StatusItem["source"]["kind"];

/** A watched resource type: where to list and watch it. */
export interface WatchedResource {
  kind: SourceKind;
  group: string;
  version: string;
  plural: string;
}

export const WATCHED_RESOURCES: readonly WatchedResource[] = [
  { kind: "argocd-application", group: "argoproj.io", version: "v1alpha1", plural: "applications" },
  {
    kind: "flux-kustomization",
    group: "kustomize.toolkit.fluxcd.io",
    version: "v1",
    plural: "kustomizations",
  },
  {
    kind: "flux-helmrelease",
    group: "helm.toolkit.fluxcd.io",
    version: "v2",
    plural: "helmreleases",
  },
  { kind: "deployment", group: "apps", version: "v1", plural: "deployments" },
];
