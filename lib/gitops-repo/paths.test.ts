import { describe, expect, it } from "vitest";
import {
  appManifestPath,
  classifyPath,
  describeLayout,
  environmentValuesPath,
  isSlug,
} from "@/lib/gitops-repo/paths";

describe("slugs", () => {
  it("accepts DNS labels and nothing else", () => {
    for (const good of ["a", "payments-api", "x1", "a".repeat(63)])
      expect(isSlug(good), good).toBe(true);
    for (const bad of ["", "-a", "a-", "A", "a_b", "a.b", "a".repeat(64), "../x"]) {
      expect(isSlug(bad), bad).toBe(false);
    }
  });
});

describe("classifyPath", () => {
  it("recognises each kind of file", () => {
    expect(classifyPath("environments.yaml")).toEqual({ kind: "environments" });
    expect(classifyPath(appManifestPath("payments-api"))).toEqual({
      kind: "app-manifest",
      app: "payments-api",
    });
    expect(classifyPath(environmentValuesPath("payments-api", "prod"))).toEqual({
      kind: "environment-values",
      app: "payments-api",
      environment: "prod",
    });
    expect(classifyPath("charts/worker/templates/deployment.yaml")).toEqual({
      kind: "chart-file",
      chart: "worker",
      file: "templates/deployment.yaml",
    });
    expect(classifyPath("README.md")).toEqual({ kind: "other" });
    expect(classifyPath("apps/a/envs/prod/extra.yaml")).toEqual({ kind: "other" });
  });
});

describe("describeLayout", () => {
  it("groups files into apps, charts and problems", () => {
    const layout = describeLayout([
      "README.md",
      "environments.yaml",
      "charts/worker/Chart.yaml",
      "charts/worker/templates/deployment.yaml",
      "charts/notachart/README.md",
      "apps/b-worker/app.yaml",
      "apps/b-worker/envs/dev/values.yaml",
      "apps/a-api/app.yaml",
      "apps/a-api/envs/dev/values.yaml",
      "apps/a-api/envs/prod/values.yaml",
      "apps/a-api/envs/Prod_EU/values.yaml",
      "apps/Bad_Name/app.yaml",
      "apps/Bad_Name/envs/dev/values.yaml",
      "apps/no-manifest/envs/dev/values.yaml",
    ]);
    expect(layout.environmentsPath).toBe("environments.yaml");
    expect(layout.charts).toEqual(["worker"]);
    expect(layout.apps.map((a) => a.slug)).toEqual(["a-api", "b-worker", "no-manifest"]);
    expect([...(layout.apps[0]?.valuesPaths.keys() ?? [])]).toEqual(["dev", "prod"]);
    expect(layout.apps[2]?.manifestPath).toBeNull();
    expect(layout.problems).toEqual([
      {
        file: "apps/a-api/envs/Prod_EU/values.yaml",
        app: "a-api",
        message: expect.stringContaining('"Prod_EU" is not a valid environment name'),
      },
      {
        file: "apps/Bad_Name/app.yaml",
        app: null,
        message: expect.stringContaining('"Bad_Name" is not a valid app name'),
      },
      {
        file: "apps/no-manifest/app.yaml",
        app: "no-manifest",
        message: expect.stringContaining("is missing"),
      },
    ]);
  });
});
