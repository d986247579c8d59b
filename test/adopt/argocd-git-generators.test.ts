import { afterEach, describe, expect, it } from "vitest";
import { layoutReportOf } from "./check-files";
import { ARGOCD_LAYOUT } from "./fixtures";
import { adopt, cells, promote, type World } from "./world";

const REPO = "https://git.example.com/platform/gitops.git";

const values = (tag: string, comment: string) =>
  `# ${comment}\nreplicaCount: 2\nimage:\n  repository: ghcr.io/acme/svc\n  tag: "${tag}"\n`;

/**
 * An ApplicationSet whose git directory generator makes one Application per
 * services/<app>/envs/<env> directory of this repository (one excluded),
 * each a chart in the repository with that directory's values file.
 */
function directoryGenerator(): Record<string, string> {
  return {
    "gantry.yaml": ARGOCD_LAYOUT,
    "charts/service/Chart.yaml": "apiVersion: v2\nname: service\nversion: 1.0.0\n",
    "charts/service/values.yaml": "replicaCount: 1\n",
    "services/orders/envs/staging/values.yaml": values("2.1.0", "orders in staging"),
    "services/orders/envs/prod/values.yaml": values("2.0.0", "orders in prod"),
    "services/legacy/envs/prod/values.yaml": values("0.1.0", "retired; Argo CD skips it"),
    "appsets/services.yaml": `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: services
  namespace: argocd
spec:
  generators:
    - git:
        repoURL: ${REPO}
        revision: HEAD
        directories:
          - path: services/*/envs/*
          - path: services/legacy/envs/*
            exclude: true
  template:
    metadata:
      name: '{{path[1]}}-{{path.basename}}'
      labels:
        team: payments
    spec:
      project: default
      source:
        repoURL: ${REPO}
        targetRevision: main
        path: charts/service
        helm:
          valueFiles:
            - values.yaml
            - ../../{{path}}/values.yaml
      destination:
        server: https://kubernetes.default.svc
        namespace: '{{path[1]}}'
`,
  };
}

/**
 * An ApplicationSet whose git files generator reads one small config file per
 * app and environment; the tag lives in that file and is edited there.
 */
function filesGenerator(): Record<string, string> {
  const config = (app: string, env: string, tag: string) =>
    `# ${app} in ${env}: read by the ApplicationSet "releases"\napp: ${app}\nenv: ${env}\nimage:\n  tag: '${tag}'\n`;
  return {
    "gantry.yaml": ARGOCD_LAYOUT,
    "releases/payments/staging.yaml": config("payments", "staging", "5.4.0"),
    "releases/payments/prod.yaml": config("payments", "prod", "5.3.2"),
    "appsets/releases.yaml": `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: releases
  namespace: argocd
spec:
  goTemplate: true
  generators:
    - git:
        repoURL: ${REPO}
        revision: HEAD
        files:
          - path: "releases/*/*.yaml"
  template:
    metadata:
      name: '{{.app}}-{{.env}}'
      labels:
        team: payments
    spec:
      project: default
      source:
        repoURL: oci://ghcr.io/acme/charts
        chart: payments
        targetRevision: 3.0.0
        helm:
          parameters:
            - name: image.tag
              value: '{{.image.tag}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: payments
`,
  };
}

/** A git generator over another repository: its directories are not in this tree. */
function foreignGenerator(): Record<string, string> {
  const files = directoryGenerator();
  files["appsets/services.yaml"] = (files["appsets/services.yaml"] ?? "").replace(
    `    - git:\n        repoURL: ${REPO}`,
    "    - git:\n        repoURL: https://git.example.com/other/config.git",
  );
  return files;
}

describe("Argo CD ApplicationSets with git generators over this repository", () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it("directories: one cell per matched directory, excluded directories left out", async () => {
    const report = await layoutReportOf(directoryGenerator());
    expect(report.cells.map((c) => `${c.app} ${c.environment} ${c.version} ${c.locators}`)).toEqual(
      [
        "orders staging 2.1.0 services/orders/envs/staging/values.yaml → image.tag",
        "orders prod 2.0.0 services/orders/envs/prod/values.yaml → image.tag",
      ],
    );
    expect(report.skipped).toEqual([]);
  });

  it("directories: promotes by editing the directory's values file, and converges", async () => {
    world = await adopt(directoryGenerator());
    expect(await world.importNow()).toMatchObject({ appsSeen: 1, problems: 0 });
    const file = "services/orders/envs/prod/values.yaml";
    const { head } = await promote(world, "orders", "prod");
    expect(await world.ctx.git.readFile({ ref: head, path: file })).toBe(
      values("2.1.0", "orders in prod"),
    );
    await world.importNow();
    expect((await cells(world)).map((c) => [c.app, c.env, c.version])).toEqual([
      ["orders", "staging", "2.1.0"],
      ["orders", "prod", "2.1.0"],
    ]);
  });

  it("files: the tag lives in each config file; promotion edits the prod file's bytes only", async () => {
    const report = await layoutReportOf(filesGenerator());
    expect(report.cells.map((c) => `${c.app} ${c.environment} ${c.version} ${c.locators}`)).toEqual(
      [
        "payments staging 5.4.0 releases/payments/staging.yaml → image.tag",
        "payments prod 5.3.2 releases/payments/prod.yaml → image.tag",
      ],
    );
    expect(report.skipped).toEqual([]);
    world = await adopt(filesGenerator());
    expect(await world.importNow()).toMatchObject({ appsSeen: 1, problems: 0 });
    const file = "releases/payments/prod.yaml";
    const before = filesGenerator()[file] ?? "";
    const { head, row } = await promote(world, "payments", "prod");
    expect(await world.ctx.git.readFile({ ref: head, path: file })).toBe(
      before.replace("  tag: '5.3.2'", "  tag: '5.4.0'"),
    );
    // The pull request names the file and key it changes, not a convention's values path.
    const pullRequest = await world.ctx.git.getPullRequest(row.prNumber ?? 0);
    expect(pullRequest.body).toContain("**Where:**\n- `releases/payments/prod.yaml → image.tag`\n");
    await world.importNow();
    expect((await cells(world)).map((c) => [c.env, c.version])).toEqual([
      ["staging", "5.4.0"],
      ["prod", "5.4.0"],
    ]);
  });

  it("a git generator over another repository is not expandable here, named with its file", async () => {
    const report = await layoutReportOf(foreignGenerator());
    expect(report.cells).toEqual([]);
    expect(report.skipped).toEqual([
      expect.objectContaining({
        file: "appsets/services.yaml",
        reason: expect.stringContaining(
          "ApplicationSet services: generators[0] (git over https://git.example.com/other/config.git) is not expandable here",
        ),
      }),
    ]);
  });
});
