import { describe, expect, it } from "vitest";
import { formatLayoutReport } from "@/lib/catalogue/check-layout";
import { layoutReportOf } from "./check-files";
import {
  argocdAppOfApps,
  argocdListApplicationSet,
  argocdMultiSource,
  fluxOverlays,
  fluxRepository,
  kustomizeOverlays,
  pathsMonorepo,
} from "./fixtures";

/** What `gantry layout check` prints for a tree, through the same code as the command. */
async function printed(files: Record<string, string>): Promise<string> {
  return formatLayoutReport(await layoutReportOf(files));
}

const lines = (...all: string[]) => `${all.join("\n")}\n`;

// One expected report per fixture repository of the adoption tests: each
// cell with its version and the file and key that decide it there.
describe("gantry layout check on every fixture repository", () => {
  it("paths: a team/app/env monorepo", async () => {
    expect(await printed(pathsMonorepo())).toBe(
      lines(
        "layout: gantry.yaml",
        "environments: dev, staging, prod",
        "rules (1):",
        "  1. paths {env}/{team}/{app}/values.yaml: 2 apps, 5 cells",
        "cells (5):",
        "  checkout-api dev      2.4.0  dev/payments/checkout-api/values.yaml → image.tag",
        "  checkout-api staging  2.4.0  staging/payments/checkout-api/values.yaml → image.tag",
        "  checkout-api prod     2.3.1  production/payments/checkout-api/values.yaml → image.tag",
        "  indexer dev           0.9.0  dev/search/indexer/values.yaml → image.tag",
        "  indexer prod          0.8.2  production/search/indexer/values.yaml → image.tag",
        "skipped (0):",
      ),
    );
  });

  it("kustomize: plain overlays, each image an application", async () => {
    expect(await printed(kustomizeOverlays())).toBe(
      lines(
        "layout: gantry.yaml",
        "environments: dev, prod",
        "rules (1):",
        "  1. kustomize overlays/{env}/kustomization.yaml: 2 apps, 4 cells",
        "cells (4):",
        "  api dev      v1.3.0  overlays/dev/kustomization.yaml → images[name=ghcr.io/acme/api]",
        "  api prod     v1.2.0  overlays/prod/kustomization.yaml → images[name=ghcr.io/acme/api]",
        "  worker dev   2.1.0  overlays/dev/kustomization.yaml → images[name=ghcr.io/acme/worker]",
        "  worker prod  2.1.0  overlays/prod/kustomization.yaml → images[name=ghcr.io/acme/worker]",
        "skipped (0):",
      ),
    );
  });

  it("argocd: app-of-apps, the last values file that sets the tag decides", async () => {
    expect(await printed(argocdAppOfApps())).toBe(
      lines(
        "layout: gantry.yaml",
        "environments: staging, prod",
        "rules (1):",
        "  1. argocd (whole repository): 1 app, 2 cells",
        "cells (2):",
        "  ledger staging  1.5.0  charts/ledger/values-staging.yaml → image.tag",
        "  ledger prod     1.0.0  charts/ledger/values.yaml → image.tag",
        "skipped (0):",
      ),
    );
  });

  it("argocd: an ApplicationSet's list generator, and one it cannot expand", async () => {
    expect(await printed(argocdListApplicationSet())).toBe(
      lines(
        "layout: gantry.yaml",
        "environments: staging, prod",
        "rules (1):",
        "  1. argocd (whole repository): 1 app, 2 cells",
        "cells (2):",
        "  billing staging  3.2.0  appsets/billing.yaml → spec.generators[0].list.elements[0].tag",
        "  billing prod     3.1.0  appsets/billing.yaml → spec.generators[0].list.elements[1].tag",
        "skipped (1):",
        "  appsets/clusters.yaml: ApplicationSet addons: generators[0] (clusters) is not expandable here (only list and git generators over this repository are); it is skipped",
      ),
    );
  });

  it("argocd: a multi-source Application, its values through $values", async () => {
    expect(await printed(argocdMultiSource())).toBe(
      lines(
        "layout: gantry.yaml",
        "environments: staging, prod",
        "rules (1):",
        "  1. argocd (whole repository): 1 app, 2 cells",
        "cells (2):",
        "  search staging  7.1.0  values/search/staging.yaml → image.tag + apps/search-staging.yaml → spec.sources[0].targetRevision (chart version)",
        "  search prod     7.0.0  values/search/prod.yaml → image.tag + apps/search-prod.yaml → spec.sources[0].targetRevision (chart version)",
        "skipped (0):",
      ),
    );
  });

  it("flux: HelmReleases in a base, patched per environment", async () => {
    expect(await printed(fluxRepository())).toBe(
      lines(
        "layout: gantry.yaml",
        "environments: staging, prod",
        "rules (1):",
        "  1. flux apps/{env}/kustomization.yaml: 1 app, 2 cells",
        "cells (2):",
        "  cart staging  4.1.0  apps/staging/cart-values.yaml → spec.values.image.tag + apps/staging/cart-values.yaml → spec.chart.spec.version (chart version)",
        "  cart prod     4.0.0  apps/base/cart/release.yaml → spec.values.image.tag + apps/base/cart/release.yaml → spec.chart.spec.version (chart version)",
        "skipped (0):",
      ),
    );
  });

  it("flux: an empty tag whose chart is elsewhere reads as the chart's default", async () => {
    expect(await printed(fluxOverlays())).toBe(
      lines(
        "layout: gantry.yaml",
        "environments: staging, prod",
        "rules (1):",
        "  1. flux apps/{env}/kustomization.yaml: 2 apps, 4 cells",
        "cells (4):",
        "  checkout staging  1.3.0  apps/staging/checkout-values.yaml → spec.values.image.tag + apps/base/checkout/release.yaml → spec.chart.spec.version (chart version)",
        "  checkout prod     1.2.0  apps/production/checkout-values.yaml → spec.values.image.tag + apps/base/checkout/release.yaml → spec.chart.spec.version (chart version)",
        "  search staging    chart default  apps/base/search/release.yaml → spec.values.image.tag + apps/base/search/release.yaml → spec.chart.spec.version (chart version)",
        "  search prod       chart default  apps/base/search/release.yaml → spec.values.image.tag + apps/base/search/release.yaml → spec.chart.spec.version (chart version)",
        "skipped (0):",
      ),
    );
  });

  it("a cell whose file cannot be read says so, instead of a version", async () => {
    const files = pathsMonorepo();
    const report = await printed({
      ...files,
      "dev/search/indexer/values.yaml": "image:\n  tag: [0.9\n",
    });
    expect(report).toContain(
      "  indexer dev           (not read, see skipped)  dev/search/indexer/values.yaml → image.tag\n",
    );
    expect(report).toMatch(
      /skipped \(1\):\n {2}dev\/search\/indexer\/values\.yaml:3:\d+: YAML syntax: /,
    );
  });
});
