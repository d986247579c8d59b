import { afterEach, describe, expect, it } from "vitest";
import { layoutReportOf } from "./check-files";
import { ARGOCD_LAYOUT } from "./fixtures";
import { adopt, cells, promote, type World } from "./world";

/** Applications whose Helm values are written inline, as a literal block, one per environment. */
function inlineValues(): Record<string, string> {
  const app = (env: string, tag: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: search-${env}
  namespace: argocd
  labels:
    team: payments
spec:
  project: default
  source:
    repoURL: oci://ghcr.io/acme/charts
    chart: search
    targetRevision: 7.0.0
    helm:
      releaseName: search
      values: |
        # ${env}: tuned by the search team
        replicaCount: ${env === "prod" ? 4 : 1}
        image:
          repository: ghcr.io/acme/search
          tag: ${tag}
  destination:
    server: https://kubernetes.default.svc
    namespace: search
`;
  return {
    "gantry.yaml": ARGOCD_LAYOUT,
    "apps/search-staging.yaml": app("staging", "7.2.0"),
    "apps/search-prod.yaml": app("prod", "7.1.3"),
  };
}

describe("Argo CD inline Helm values (helm.values: |)", () => {
  let world: World | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  it("reads the tag inside each Application's values, promotes by editing its bytes only, and converges", async () => {
    const files = inlineValues();
    const report = await layoutReportOf(files);
    expect(
      report.cells.map((c) => `${c.app} ${c.environment} ${c.version} ${c.locators.join(" + ")}`),
    ).toEqual([
      "search staging 7.2.0 apps/search-staging.yaml → spec.source.helm.values (inline values) → image.tag + apps/search-staging.yaml → spec.source.targetRevision (chart version)",
      "search prod 7.1.3 apps/search-prod.yaml → spec.source.helm.values (inline values) → image.tag + apps/search-prod.yaml → spec.source.targetRevision (chart version)",
    ]);
    expect(report.skipped).toEqual([]);

    world = await adopt(files);
    expect(await world.importNow()).toMatchObject({ appsSeen: 1, problems: 0 });
    const file = "apps/search-prod.yaml";
    const { head, row } = await promote(world, "search", "prod");
    expect(row).toMatchObject({ version: "7.2.0", previousVersion: "7.1.3" });
    expect(await world.ctx.git.readFile({ ref: head, path: file })).toBe(
      (files[file] ?? "").replace("          tag: 7.1.3\n", "          tag: 7.2.0\n"),
    );
    await world.importNow();
    expect((await cells(world)).map((c) => [c.env, c.version])).toEqual([
      ["staging", "7.2.0"],
      ["prod", "7.2.0"],
    ]);
  });
});
