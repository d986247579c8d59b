import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { discoverApplications } from "@/lib/gitops-repo/discovery/discover";
import { parseLayoutFile } from "@/lib/gitops-repo/layout-file";
import { ARGOCD_LAYOUT, FLUX_LAYOUT, KUSTOMIZE_LAYOUT, PATHS_LAYOUT } from "./fixtures";
import { FLUX_OBJECTS_LAYOUT } from "./more-shapes-fixtures";
import { CONVENTION_PLUS_KUSTOMIZE_LAYOUT } from "./readme-examples";

/** The yaml blocks of README.md's "Adopting your repository", in order. */
function readmeExamples(): string[] {
  const readme = fs.readFileSync("README.md", "utf8");
  const start = readme.indexOf("### Adopting your repository");
  const section = readme.slice(start, readme.indexOf("\n## ", start));
  return [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] ?? "");
}

describe("README: Adopting your repository", () => {
  it("shows exactly the layouts the adoption tests use, one per rule kind", () => {
    expect(readmeExamples()).toEqual([
      PATHS_LAYOUT,
      KUSTOMIZE_LAYOUT,
      ARGOCD_LAYOUT,
      FLUX_LAYOUT,
      FLUX_OBJECTS_LAYOUT,
      CONVENTION_PLUS_KUSTOMIZE_LAYOUT,
    ]);
    const kinds = readmeExamples().flatMap((text) => {
      const parsed = parseLayoutFile(text, "README.md");
      if (!parsed.ok) throw new Error(parsed.error.message);
      return parsed.value.discovery.map((rule) => rule.kind);
    });
    expect(new Set(kinds)).toEqual(new Set(["paths", "kustomize", "argocd", "flux", "convention"]));
  });

  it("the convention example: app.yaml still names the team; the legacy overlay gets the layout's", async () => {
    const layout = parseLayoutFile(CONVENTION_PLUS_KUSTOMIZE_LAYOUT, "gantry.yaml");
    if (!layout.ok) throw new Error(layout.error.message);
    const files: Record<string, string> = {
      "apps/api/app.yaml": "name: API\nteam: payments\nchart: web\n",
      "apps/api/envs/dev/values.yaml": "image:\n  tag: 1.0.0\n",
      "legacy/billing/overlays/dev/kustomization.yaml":
        "images:\n  - name: registry.example.com/legacy\n    newTag: 0.9.1\n",
    };
    const { applications, problems } = await discoverApplications({
      layout: layout.value,
      environments: [{ name: "dev", aliases: [] }],
      paths: Object.keys(files),
      read: async (paths) =>
        new Map(paths.flatMap((p) => (files[p] === undefined ? [] : [[p, files[p] as string]]))),
    });
    expect(problems).toEqual([]);
    expect(applications).toMatchObject([
      {
        slug: "api",
        name: "API",
        team: "payments",
        targets: [{ locators: [{ kind: "yaml", file: "apps/api/envs/dev/values.yaml" }] }],
      },
      {
        slug: "billing",
        team: "platform",
        targets: [
          {
            locators: [
              {
                kind: "kustomize-image",
                file: "legacy/billing/overlays/dev/kustomization.yaml",
                image: "registry.example.com/legacy",
              },
            ],
          },
        ],
      },
    ]);
  });
});
