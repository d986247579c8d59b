import { describe, expect, it } from "vitest";
import { targetFromMetadata, targetFromPath, targetOf } from "./mapping";

describe("mapping objects to (application, environment)", () => {
  it("follows the repo convention, tolerating ./ and trailing slashes and deeper paths", () => {
    const options = { pathPrefix: "apps" };
    for (const path of [
      "apps/payments/envs/prod",
      "./apps/payments/envs/prod/",
      "apps/payments/envs/prod/overlays",
    ]) {
      expect(targetFromPath(path, options)).toEqual({
        application: "payments",
        environment: "prod",
      });
    }
    for (const path of ["apps/payments", "apps/payments/prod", "charts/payments/envs/prod", ""]) {
      expect(targetFromPath(path, options)).toBeNull();
    }
  });

  it("honours a configured prefix, including none", () => {
    expect(targetFromPath("deploy/apps/a/envs/b", { pathPrefix: "deploy/apps" })).toEqual({
      application: "a",
      environment: "b",
    });
    expect(targetFromPath("a/envs/b", { pathPrefix: "" })).toEqual({
      application: "a",
      environment: "b",
    });
    expect(targetFromPath("apps/a/envs/b", { pathPrefix: "deploy/apps" })).toBeNull();
  });

  it("rejects names that are not slugs", () => {
    expect(targetFromPath("apps/Payments/envs/prod", { pathPrefix: "apps" })).toBeNull();
    expect(
      targetFromMetadata({
        annotations: { "gantry.dev/application": "a b", "gantry.dev/environment": "prod" },
      }),
    ).toBeNull();
  });

  it("annotations, then labels, then the path; both keys must be present", () => {
    const both = { "gantry.dev/application": "x", "gantry.dev/environment": "y" };
    expect(targetOf({ annotations: both }, ["apps/a/envs/b"], { pathPrefix: "apps" })).toEqual({
      application: "x",
      environment: "y",
    });
    expect(targetOf({ labels: both }, [], { pathPrefix: "apps" })).toEqual({
      application: "x",
      environment: "y",
    });
    expect(
      targetOf({ annotations: { "gantry.dev/application": "x" } }, ["apps/a/envs/b"], {
        pathPrefix: "apps",
      }),
    ).toEqual({ application: "a", environment: "b" });
    expect(targetOf({}, [undefined], { pathPrefix: "apps" })).toBeNull();
  });
});
