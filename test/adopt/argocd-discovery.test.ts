import { describe, expect, it } from "vitest";
import { discoverApplications } from "@/lib/gitops-repo/discovery/discover";
import { parseLayoutFile } from "@/lib/gitops-repo/layout-file";
import { argocdAppOfApps, argocdListApplicationSet, argocdMultiSource } from "./fixtures";

async function discover(files: Record<string, string>) {
  const layout = parseLayoutFile(files["gantry.yaml"] ?? "", "gantry.yaml");
  if (!layout.ok) throw new Error(layout.error.message);
  return discoverApplications({
    layout: layout.value,
    environments: [
      { name: "staging", aliases: [] },
      { name: "prod", aliases: [] },
    ],
    paths: Object.keys(files),
    read: async (paths) =>
      new Map(paths.flatMap((p) => (files[p] === undefined ? [] : [[p, files[p] as string]]))),
  });
}

describe("the argocd rule", () => {
  it("app-of-apps: each child is a cell; the last values file that sets the tag decides, else the shared one", async () => {
    const { applications, problems } = await discover(argocdAppOfApps());
    expect(problems).toEqual([]);
    expect(applications).toMatchObject([
      {
        slug: "ledger",
        team: "payments",
        targets: [
          {
            environment: "staging",
            locators: [
              { kind: "yaml", file: "charts/ledger/values-staging.yaml", path: "image.tag" },
            ],
          },
          {
            environment: "prod",
            locators: [{ kind: "yaml", file: "charts/ledger/values.yaml", path: "image.tag" }],
          },
        ],
      },
    ]);
  });

  it("ApplicationSet with a list generator: the version lives in each element; a cluster generator is reported", async () => {
    const { applications, problems } = await discover(argocdListApplicationSet());
    expect(applications).toMatchObject([
      {
        slug: "billing",
        team: "payments",
        targets: [
          {
            environment: "staging",
            locators: [
              {
                kind: "yaml",
                file: "appsets/billing.yaml",
                path: "spec.generators[0].list.elements[0].tag",
              },
            ],
          },
          {
            environment: "prod",
            locators: [
              {
                kind: "yaml",
                file: "appsets/billing.yaml",
                path: "spec.generators[0].list.elements[1].tag",
              },
            ],
          },
        ],
      },
    ]);
    // The chart version is written once in the template for both: the same in every
    // environment, so it never needs to move, and is no problem while the tag is found.
    expect(problems.map((p) => p.message)).toEqual([
      "ApplicationSet addons: generators[0] (clusters) is not expandable here (only list and git generators over this repository are); it is skipped",
    ]);
  });

  it("multi-source with $values: the environment's values file in this repository, and the chart version in the Application", async () => {
    const { applications, problems } = await discover(argocdMultiSource());
    expect(problems).toEqual([]);
    expect(applications).toMatchObject([
      {
        slug: "search",
        team: "search",
        targets: [
          {
            environment: "staging",
            locators: [
              { kind: "yaml", file: "values/search/staging.yaml", path: "image.tag" },
              {
                kind: "helm-chart-version",
                file: "apps/search-staging.yaml",
                path: "spec.sources[0].targetRevision",
              },
            ],
          },
          {
            environment: "prod",
            locators: [
              { kind: "yaml", file: "values/search/prod.yaml", path: "image.tag" },
              {
                kind: "helm-chart-version",
                file: "apps/search-prod.yaml",
                path: "spec.sources[0].targetRevision",
              },
            ],
          },
        ],
      },
    ]);
  });
});
