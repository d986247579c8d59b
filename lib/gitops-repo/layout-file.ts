import { z } from "zod";
import { checkEnvironmentList, EnvironmentSchema } from "@/lib/gitops-repo/environments";
import { type ParseResult, parseWithSchema } from "@/lib/gitops-repo/located";
import { ENVIRONMENTS_FILE } from "@/lib/gitops-repo/paths";
import { httpUrl, slug } from "@/lib/gitops-repo/schema-parts";

/**
 * `gantry.yaml`: how Gantry reads a repository it did not lay out. Without
 * the file, Gantry's own convention applies (apps/<app>/app.yaml,
 * apps/<app>/envs/<env>/values.yaml, environments.yaml) and nothing changes.
 */
export const LAYOUT_FILE = "gantry.yaml";

/** Placeholders a path template may use; `{*}` matches one path segment and names nothing. */
const PLACEHOLDERS = ["app", "env", "team", "*"] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];

const PLACEHOLDER_PATTERN = /\{([^{}]*)\}/g;

/** Every `{name}` of a template, in order. */
export function placeholdersOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER_PATTERN)].map((match) => match[1] ?? "");
}

/**
 * A repository path with placeholders: `{env}/{team}/{app}/values.yaml`.
 * Each placeholder is a whole path segment or part of one, never spans a `/`.
 */
const template = (needs: readonly Placeholder[]) =>
  z
    .string()
    .min(1)
    .max(300)
    .superRefine((value, ctx) => {
      if (value.startsWith("/") || value.split("/").includes("..")) {
        ctx.addIssue({
          code: "custom",
          message: "must be a path inside the repository (no leading / and no ..)",
        });
        return;
      }
      const seen = placeholdersOf(value);
      for (const name of seen) {
        if (!(PLACEHOLDERS as readonly string[]).includes(name)) {
          ctx.addIssue({
            code: "custom",
            message: `unknown placeholder {${name}}; a template may use ${PLACEHOLDERS.map((p) => `{${p}}`).join(", ")}`,
          });
          return;
        }
      }
      for (const name of new Set(seen)) {
        if (name !== "*" && seen.filter((s) => s === name).length > 1) {
          ctx.addIssue({ code: "custom", message: `placeholder {${name}} is used twice` });
          return;
        }
      }
      for (const name of needs) {
        if (!seen.includes(name)) {
          ctx.addIssue({ code: "custom", message: `must contain the placeholder {${name}}` });
          return;
        }
      }
    });

/** A key path inside a YAML file: `image.tag`, `images[name=ghcr.io/acme/api].newTag`, `containers[0].image`. */
const keyPath = z
  .string()
  .min(1)
  .max(300)
  .regex(
    /^[^.[\]\s]+(\[[^\]]+\])*(\.[^.[\]\s]+(\[[^\]]+\])*)*$/,
    "must be a key path like image.tag, images[name=api].newTag or containers[0].image",
  );

/**
 * Where one piece of metadata comes from: a constant, a key in a file (the
 * file is a template, e.g. `apps/{app}/app.yaml`), a path segment matched by
 * a placeholder, or a label or annotation of the discovered object.
 */
const MetadataSource = z.discriminatedUnion(
  "from",
  [
    z.strictObject({ from: z.literal("value"), value: z.string().max(2000) }),
    z.strictObject({ from: z.literal("file"), file: template([]), key: keyPath }),
    z.strictObject({ from: z.literal("path"), placeholder: z.enum(["app", "env", "team"]) }),
    z.strictObject({ from: z.literal("label"), key: z.string().min(1).max(253) }),
    z.strictObject({ from: z.literal("annotation"), key: z.string().min(1).max(253) }),
  ],
  { error: "must say where the value comes from: from: value, file, path, label or annotation" },
);
export type MetadataSource = z.output<typeof MetadataSource>;

const MetadataMapping = z.strictObject({
  name: MetadataSource.optional(),
  team: MetadataSource.optional(),
  description: MetadataSource.optional(),
  tier: MetadataSource.optional(),
  /** A key holding a list of { title, url }, or a label/annotation holding one URL. */
  links: MetadataSource.optional(),
});

const locatorKind = z.enum(["yaml", "image-reference", "helm-chart-version"]);

const ConventionRule = z.strictObject({
  kind: z.literal("convention"),
  /** Key path of the version in each values file. */
  version: keyPath.default("image.tag"),
});

const PathsRule = z.strictObject({
  kind: z.literal("paths"),
  /** The values file of one (app, environment): `{env}/{team}/{app}/values.yaml`. */
  template: template(["env"]),
  /** The app's name when the template has no {app} (a repository of one application). */
  app: slug.optional(),
  /** Key path of the version in the matched file. */
  version: keyPath,
  /** How the value at `version` holds the version: the whole value, or the tag of an image reference. */
  as: locatorKind.default("yaml"),
  /** Further key paths in the same file that move with the version (a chart version, say). */
  alsoMoves: z
    .array(z.strictObject({ path: keyPath, as: locatorKind.default("yaml") }))
    .max(10)
    .default([]),
  metadata: MetadataMapping.optional(),
});

const KustomizeRule = z.strictObject({
  kind: z.literal("kustomize"),
  /** The overlay of one environment: `overlays/{env}/kustomization.yaml`, `apps/{app}/overlays/{env}/kustomization.yaml`. */
  template: template(["env"]).default("overlays/{env}/kustomization.yaml"),
  /** The image whose newTag is the version; by default the only one listed. */
  image: z.string().min(1).max(300).optional(),
  /** The app's name when the template has no {app}; by default each image is an app named after its last path segment. */
  app: slug.optional(),
  metadata: MetadataMapping.optional(),
});

/** Where an Argo CD Application's app or environment name is read from. */
const ArgoName = z.union([
  z.enum(["name", "namespace", "cluster"]),
  z
    .string()
    .regex(/^label:[A-Za-z0-9./_-]{1,253}$/, "must be name, namespace, cluster or label:<key>"),
]);

const ArgoCdRule = z.strictObject({
  kind: z.literal("argocd"),
  /** Where Application and ApplicationSet manifests are looked for; the whole repository by default. */
  under: z.array(z.string().min(1).max(300)).max(50).default([]),
  /** The Application's name as `{app}-{env}` (or `{env}-{app}`, `{app}`): how name maps to (app, env). */
  name: template(["app"]).default("{app}-{env}"),
  /** Where the environment comes from when the name pattern has no {env}. */
  environmentFrom: ArgoName.default("name"),
  /** The key of the version in Helm values and parameters. */
  version: keyPath.default("image.tag"),
  /** This repository's URLs as Applications write them; by default a source is this repository when its files are here. */
  repoURLs: z.array(z.string().min(1).max(500)).max(20).default([]),
  metadata: MetadataMapping.optional(),
});

/** The overlay layout of the Flux examples, used when a flux rule names neither overlays nor Kustomization objects. */
export const DEFAULT_FLUX_OVERLAY = "apps/{env}/kustomization.yaml";

const FluxRule = z
  .strictObject({
    kind: z.literal("flux"),
    /**
     * The overlay of one environment, a kustomization.yaml over a base:
     * `apps/{env}/kustomization.yaml` (the default when `kustomizations` is not set).
     */
    template: template(["env"])
      .optional()
      .describe(
        "The overlay of one environment, a kustomization.yaml over a base; apps/{env}/kustomization.yaml when neither this nor kustomizations is set",
      ),
    /**
     * The files holding Flux Kustomization objects (kustomize.toolkit.fluxcd.io),
     * `clusters/{env}/{*}.yaml`: each object's spec.path is followed to the
     * directory it deploys (its kustomization.yaml, or every manifest under it),
     * which is then read as the environment's overlay.
     */
    kustomizations: template([])
      .optional()
      .describe(
        "Files holding Flux Kustomization objects, e.g. clusters/{env}/{*}.yaml; each object's spec.path is followed to the directory it deploys. The environment is the path's {env}, or the {env} of kustomizationName",
      ),
    /**
     * The Kustomization object's metadata.name as a pattern: `apps-{env}` when
     * the environment is in the name, `apps` to follow only that object.
     * Objects whose name does not match are not followed.
     */
    kustomizationName: template([])
      .optional()
      .describe(
        "The Flux Kustomization's metadata.name as a pattern (apps-{env}, {app}-{env}, apps); objects whose name does not match are not followed",
      ),
    /** Key path of the version in a HelmRelease; its chart version moves with it. */
    version: keyPath.default("spec.values.image.tag"),
    metadata: MetadataMapping.optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.template !== undefined && rule.kustomizations !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["kustomizations"],
        message:
          "say where the overlays are either by template (their path) or by kustomizations (the Flux Kustomization objects that deploy them), not both",
      });
      return;
    }
    if (rule.kustomizations === undefined) {
      if (rule.kustomizationName !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["kustomizationName"],
          message: "names Flux Kustomization objects, so it needs kustomizations: (their files)",
        });
      }
      return;
    }
    const fromPath = placeholdersOf(rule.kustomizations);
    const fromName = placeholdersOf(rule.kustomizationName ?? "");
    if (!fromPath.includes("env") && !fromName.includes("env")) {
      ctx.addIssue({
        code: "custom",
        path: ["kustomizations"],
        message:
          "must contain the placeholder {env}, or kustomizationName must (apps-{env}): the environment comes from the object's file or its name",
      });
    }
    const twice = fromPath.filter((name) => name !== "*" && fromName.includes(name));
    if (twice.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["kustomizationName"],
        message: `placeholder {${twice[0]}} is already taken from the file path (kustomizations); use it in one of them`,
      });
    }
  });

const DiscoveryRule = z.discriminatedUnion(
  "kind",
  [ConventionRule, PathsRule, KustomizeRule, ArgoCdRule, FluxRule],
  { error: "must have a kind: convention, paths, kustomize, argocd or flux" },
);
export type FluxRule = z.output<typeof FluxRule>;
export type ArgoCdRule = z.output<typeof ArgoCdRule>;
export type DiscoveryRule = z.output<typeof DiscoveryRule>;
export type PathsRule = z.output<typeof PathsRule>;
export type KustomizeRule = z.output<typeof KustomizeRule>;

const LayoutEnvironment = EnvironmentSchema.extend({
  /** Other names the repository uses for this environment (`production` for `prod`). */
  aliases: z.array(z.string().min(1).max(63)).max(20).default([]),
});

const AppOverride = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  team: slug.optional(),
  description: z.string().max(2000).optional(),
  tier: z.enum(["critical", "high", "medium", "low"]).optional(),
  links: z
    .array(z.strictObject({ title: z.string().trim().min(1).max(200), url: httpUrl }))
    .max(50)
    .optional(),
  /** Leave the app out of the catalogue. */
  exclude: z.boolean().default(false),
});

const LayoutFileSchema = z
  .strictObject({
    /** Environments in delivery order; when absent they are read from `environmentsFile`. */
    environments: z.array(LayoutEnvironment).min(1).optional(),
    environmentsFile: z.string().min(1).max(300).default(ENVIRONMENTS_FILE),
    /** Where applications are found, in order; at most one rule may claim each (app, environment). */
    discovery: z.array(DiscoveryRule).min(1).max(50),
    metadata: MetadataMapping.default({}),
    /** Promotion may replace a version range (`>=1.0.0 <2.0.0`, `6.x`) with the exact version. */
    pinRanges: z.boolean().default(false),
    /**
     * When the file that decides an environment's version also decides
     * other environments' or apps' (a shared Argo CD values.yaml, a Flux base
     * the overlay does not patch), promotion writes the version into the
     * environment's own file instead: the last values file only its
     * Application lists, or a patch in its Flux overlay (created and listed
     * in the overlay's kustomization.yaml when there is none). Without it,
     * such a promotion is refused, naming the file and what it would move.
     */
    writeOverrides: z
      .boolean()
      .default(false)
      .describe(
        "Write a version into the environment's own file (its own values file, or a patch in its Flux overlay) when the file that decides it is shared with other environments or apps; without it such a promotion is refused.",
      ),
    apps: z.record(slug, AppOverride).default({}),
  })
  .superRefine((layout, ctx) => {
    if (layout.environments) {
      checkEnvironmentList(layout.environments, ctx, ["environments"]);
    }
  });

export type LayoutFile = z.output<typeof LayoutFileSchema>;

/** Parses gantry.yaml; every mistake comes back with its line, column and what was expected. */
export function parseLayoutFile(text: string, filePath: string): ParseResult<LayoutFile> {
  return parseWithSchema(text, filePath, LayoutFileSchema, {
    emptyMessage: "the file is empty; it needs at least a discovery: list",
  });
}

/** The JSON Schema of gantry.yaml, for editors; generated from the same zod schema. */
export function layoutJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(LayoutFileSchema, { io: "input", unrepresentable: "any" }),
    $id: "https://gantry.dev/schemas/gantry.schema.json",
    title: "gantry.yaml: how Gantry reads a GitOps repository",
  };
}
