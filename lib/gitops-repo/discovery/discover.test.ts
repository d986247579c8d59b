import { describe, expect, it } from "vitest";
import { parseLayoutFile } from "@/lib/gitops-repo/layout-file";
import { discoverApplications } from "./discover";

const ENVIRONMENTS = [
  { name: "dev", aliases: [] },
  { name: "staging", aliases: [] },
  { name: "prod", aliases: ["production"] },
];

function layout(text: string) {
  const parsed = parseLayoutFile(text, "gantry.yaml");
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

async function discover(layoutText: string, files: Record<string, string>) {
  const reads: string[][] = [];
  const result = await discoverApplications({
    layout: layout(layoutText),
    environments: ENVIRONMENTS,
    paths: Object.keys(files),
    read: async (paths) => {
      reads.push([...paths]);
      return new Map(paths.flatMap((p) => (files[p] === undefined ? [] : [[p, files[p]]])));
    },
  });
  return { ...result, reads };
}

const PATHS_RULE = `discovery:
  - kind: paths
    template: "{env}/{team}/{app}/values.yaml"
    version: image.tag
metadata:
  team: { from: path, placeholder: team }
`;

describe("discovering applications", () => {
  it("paths: a team/app/env monorepo becomes cells with the team from the path, in environment order", async () => {
    const { applications, problems } = await discover(PATHS_RULE, {
      "production/payments/api/values.yaml": "image:\n  tag: 1.0.0\n",
      "dev/payments/api/values.yaml": "image:\n  tag: 1.1.0\n",
      "dev/search/indexer/values.yaml": "image:\n  tag: 2.0.0\n",
      "README.md": "hello",
    });
    expect(problems).toEqual([]);
    expect(applications).toMatchObject([
      {
        slug: "api",
        team: "payments",
        name: "api",
        tier: "medium",
        targets: [
          {
            environment: "dev",
            locators: [{ kind: "yaml", file: "dev/payments/api/values.yaml", path: "image.tag" }],
          },
          {
            environment: "prod",
            locators: [
              { kind: "yaml", file: "production/payments/api/values.yaml", path: "image.tag" },
            ],
          },
        ],
      },
      { slug: "indexer", team: "search", targets: [{ environment: "dev" }] },
    ]);
  });

  it("paths: an environment nobody listed is a problem on that app, the rest imports", async () => {
    const { applications, problems } = await discover(PATHS_RULE, {
      "qa/payments/api/values.yaml": "image:\n  tag: 1.0.0\n",
      "dev/payments/api/values.yaml": "image:\n  tag: 1.0.0\n",
    });
    expect(applications.map((a) => a.targets.map((t) => t.environment))).toEqual([["dev"]]);
    expect(problems).toEqual([
      {
        app: "api",
        file: "qa/payments/api/values.yaml",
        line: null,
        column: null,
        message:
          'environment "qa" is not one of dev, staging, prod; list it (or add it as an alias) in the environments',
      },
    ]);
  });

  it("paths: a directory that is not a valid name is skipped with the reason", async () => {
    const { applications, problems } = await discover(PATHS_RULE, {
      "dev/payments/Bad_App/values.yaml": "image:\n  tag: 1.0.0\n",
    });
    expect(applications).toEqual([]);
    expect(problems[0]?.message).toContain(
      '"Bad_App" (the {app} of {env}/{team}/{app}/values.yaml)',
    );
  });

  it("two rules claiming the same cell is a conflict naming both, and neither is used", async () => {
    const { applications, problems } = await discover(
      `discovery:
  - kind: paths
    template: "{env}/{team}/{app}/values.yaml"
    version: image.tag
  - kind: kustomize
    template: "apps/{app}/overlays/{env}/kustomization.yaml"
`,
      {
        "dev/payments/api/values.yaml": "image:\n  tag: 1.0.0\n",
        "prod/payments/api/values.yaml": "image:\n  tag: 1.0.0\n",
        "apps/api/overlays/dev/kustomization.yaml":
          "images:\n  - name: ghcr.io/acme/api\n    newTag: 1.0.0\n",
      },
    );
    expect(applications).toMatchObject([
      { slug: "api", targets: [{ environment: "prod" }], blockedEnvironments: ["dev"] },
    ]);
    expect(problems).toHaveLength(2);
    expect(problems[0]?.message).toBe(
      "api in dev is claimed twice: by rule 1 (paths {env}/{team}/{app}/values.yaml) at dev/payments/api/values.yaml and rule 2 (kustomize apps/{app}/overlays/{env}/kustomization.yaml) at apps/api/overlays/dev/kustomization.yaml; neither is used until one rule is narrowed (or the app excluded from one)",
    );
  });

  it("kustomize: each image of plain overlays is an app, its newTag the version", async () => {
    const { applications, problems } = await discover("discovery:\n  - kind: kustomize\n", {
      "base/kustomization.yaml": "resources: [deployment.yaml]\n",
      "overlays/dev/kustomization.yaml":
        "resources: [../../base]\nimages:\n  - name: ghcr.io/acme/api\n    newTag: 1.2.0\n  - name: ghcr.io/acme/worker\n    newTag: 3.0.0\n",
      "overlays/production/kustomization.yaml":
        "images:\n  - name: ghcr.io/acme/api\n    newTag: 1.1.0\n    digest: sha256:abc\n",
    });
    expect(problems).toEqual([]);
    expect(applications).toMatchObject([
      {
        slug: "api",
        team: "unassigned",
        targets: [
          {
            environment: "dev",
            locators: [
              {
                kind: "kustomize-image",
                file: "overlays/dev/kustomization.yaml",
                image: "ghcr.io/acme/api",
              },
            ],
          },
          { environment: "prod" },
        ],
      },
      { slug: "worker", targets: [{ environment: "dev" }] },
    ]);
  });

  it("kustomize: an alias bomb and invalid UTF-8 are one problem each, the other overlays import", async () => {
    const bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i <= 9; i++)
      bomb.push(
        `a${i}: &a${i} [${Array(9)
          .fill(`*a${i - 1}`)
          .join(", ")}]`,
      );
    const { applications, problems } = await discover(
      "discovery:\n  - kind: kustomize\n    template: apps/{app}/{env}/kustomization.yaml\n",
      {
        "apps/api/dev/kustomization.yaml": "images:\n  - name: acme/api\n    newTag: 1.0.0\n",
        "apps/bomb/dev/kustomization.yaml": bomb.join("\n"),
        "apps/latin/dev/kustomization.yaml":
          "# caf\uFFFD\nimages:\n  - name: acme/latin\n    newTag: 1.0.0\n",
      },
    );
    expect(applications.map((a) => a.slug)).toEqual(["api"]);
    expect(problems).toEqual([
      {
        app: "bomb",
        file: "apps/bomb/dev/kustomization.yaml",
        line: 1,
        column: 1,
        message: "YAML aliases expand too far (more than 100 uses); the file is skipped",
      },
      {
        app: "latin",
        file: "apps/latin/dev/kustomization.yaml",
        line: 1,
        column: 6,
        message: "the file is not valid UTF-8; it is skipped",
      },
    ]);
  });

  it("metadata from a file per app, per-app overrides and exclusions", async () => {
    const { applications, problems, reads } = await discover(
      `discovery:
  - kind: paths
    template: "services/{app}/envs/{env}.yaml"
    version: image.tag
metadata:
  description: { from: file, file: "services/{app}/catalog.yaml", key: spec.description }
  tier: { from: file, file: "services/{app}/catalog.yaml", key: spec.tier }
  links: { from: file, file: "services/{app}/catalog.yaml", key: spec.links }
apps:
  api: { team: payments, name: Payments API }
  legacy: { exclude: true }
`,
      {
        "services/api/envs/dev.yaml": "image:\n  tag: 1.0.0\n",
        "services/api/catalog.yaml":
          "spec:\n  description: Takes payments\n  tier: critical\n  links:\n    - { title: Runbook, url: https://runbooks.example.com/api }\n    - { title: Bad, url: 'javascript:alert(1)' }\n",
        "services/legacy/envs/dev.yaml": "image:\n  tag: 0.1.0\n",
      },
    );
    expect(applications).toMatchObject([
      {
        slug: "api",
        name: "Payments API",
        team: "payments",
        tier: "critical",
        description: "Takes payments",
        links: [{ title: "Runbook", url: "https://runbooks.example.com/api" }],
      },
    ]);
    expect(problems.map((p) => p.message)).toEqual([
      "a link must have a title and an http:// or https:// url; it is left out",
    ]);
    // The catalog file is read in the second round, once.
    expect(reads).toEqual([
      ["services/api/envs/dev.yaml", "services/legacy/envs/dev.yaml"],
      ["services/api/catalog.yaml"],
    ]);
  });

  it("names the Chart.yaml whose appVersion an empty tag means, when the chart is in the repository", async () => {
    const helmRelease = (app: string, sourceKind: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: ${app}
spec:
  chart:
    spec:
      chart: ./charts/${app}
      sourceRef:
        kind: ${sourceKind}
        name: flux-system
  values:
    image:
      tag: ""
`;
    const chart = "apiVersion: v2\nname: x\nversion: 0.1.0\nappVersion: 1.0.0\n";
    const flux = await discover(
      `discovery:
  - kind: flux
    template: "apps/{env}/kustomization.yaml"
    version: spec.values.image.tag
metadata:
  team: { from: value, value: payments }
`,
      {
        "apps/base/web/release.yaml": helmRelease("web", "GitRepository"),
        "apps/base/edge/release.yaml": helmRelease("edge", "HelmRepository"),
        "apps/dev/kustomization.yaml":
          "resources:\n  - ../base/web/release.yaml\n  - ../base/edge/release.yaml\n",
        "charts/web/Chart.yaml": chart,
        "charts/edge/Chart.yaml": chart,
      },
    );
    expect(flux.problems).toEqual([]);
    expect(
      flux.applications.map((app) => [app.slug, app.targets.map((t) => t.chartFile ?? null)]),
    ).toEqual([
      ["edge", [null]],
      ["web", ["charts/web/Chart.yaml"]],
    ]);

    const convention = await discover("discovery:\n  - kind: convention\n", {
      "apps/api/app.yaml": "name: api\nteam: payments\nchart: service\n",
      "apps/api/envs/dev/values.yaml": 'image:\n  tag: ""\n',
      "apps/batch/app.yaml": "name: batch\nteam: payments\nchart: elsewhere\n",
      "apps/batch/envs/dev/values.yaml": 'image:\n  tag: ""\n',
      "charts/service/Chart.yaml": chart,
    });
    expect(
      convention.applications.map((app) => [app.slug, app.targets.map((t) => t.chartFile ?? null)]),
    ).toEqual([
      ["api", ["charts/service/Chart.yaml"]],
      ["batch", [null]],
    ]);
  });
});
