import { afterEach, describe, expect, it } from "vitest";
import { GantryError } from "@/lib/errors";
import { planPromotion } from "@/lib/promotion/plan-promotion";
import { argocdSharedValues, fluxSharedBase } from "./shared-file-fixtures";
import { adopt, cells, promote, type World } from "./world";

/** The plan's refusal, or a failure when it was not refused. */
async function refusal(world: World, application: string): Promise<GantryError> {
  const error = await planPromotion({
    db: world.ctx.db,
    git: world.ctx.git,
    versionPath: "image.tag",
    application,
    environment: "prod",
  }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GantryError);
  return error as GantryError;
}

const versions = async (world: World) =>
  (await cells(world)).map((c) => [c.app, c.env, c.version, c.valuesPath]);

describe("a file that decides the version of other environments or apps", () => {
  let world: World;
  afterEach(async () => {
    await world?.close();
  });

  describe("Argo CD: a shared values.yaml listed before each environment's own file", () => {
    it("imports each cell at the file that decides it", async () => {
      world = await adopt(argocdSharedValues(false));
      expect(await world.importNow()).toMatchObject({ appsSeen: 2, problems: 0 });
      expect(await versions(world)).toEqual([
        ["api", "dev", "2.0.0", "charts/api/values.yaml"],
        ["api", "staging", "2.1.0", "charts/api/values-staging.yaml"],
        ["api", "prod", "2.0.0", "charts/api/values.yaml"],
        ["jobs", "prod", "2.0.0", "charts/api/values.yaml"],
      ]);
      // Where each cell decided by the shared file would take a version of its own.
      const overrides = await world.ctx.db.deploymentTarget.findMany({
        select: {
          application: { select: { slug: true } },
          environment: { select: { name: true } },
          override: true,
        },
        orderBy: [{ application: { slug: "asc" } }, { environment: { position: "asc" } }],
      });
      expect(overrides.map((t) => [t.application.slug, t.environment.name, t.override])).toEqual([
        ["api", "dev", { kind: "file", file: "charts/api/values-dev.yaml" }],
        ["api", "staging", null],
        ["api", "prod", { kind: "file", file: "charts/api/values-prod.yaml" }],
        ["jobs", "prod", { kind: "file", file: "charts/api/values-jobs-prod.yaml" }],
      ]);
    });

    it("is not edited for one environment: refused, naming the file, what would move and the setting", async () => {
      world = await adopt(argocdSharedValues(false));
      await world.importNow();
      const error = await refusal(world, "api");
      expect(error.code).toBe("conflict");
      expect(error.message).toBe(
        "Promoting api to prod edits charts/api/values.yaml → image.tag, which also decides the version of api in dev, jobs in prod: they would move too. Set writeOverrides: true in gantry.yaml to have Gantry write the version into prod's own file charts/api/values-prod.yaml instead",
      );
    });

    it("with writeOverrides, writes the version into the environment's own file; the others keep theirs", async () => {
      world = await adopt(argocdSharedValues(true));
      await world.importNow();
      const file = "charts/api/values-prod.yaml";
      const before = argocdSharedValues(true)[file] ?? "";
      const after = `${before}image:\n  tag: 2.1.0\n`;
      const planned = await planPromotion({
        db: world.ctx.db,
        git: world.ctx.git,
        versionPath: "image.tag",
        application: "api",
        environment: "prod",
      });
      // What the promote page tells the person: the shared file stays, the others keep theirs.
      expect(planned.sharedFileOverride).toEqual({
        shared: ["charts/api/values.yaml"],
        file,
        created: false,
        others: ["api in dev", "jobs in prod"],
      });

      const { row, head, base, merged } = await promote(world, "api", "prod");
      expect(row).toMatchObject({ valuesPath: file, version: "2.1.0", previousVersion: "2.0.0" });
      expect(row.planDiff).toBe(
        `--- a/${file}\n+++ b/${file}\n@@ -2,3 +2,5 @@\n replicaCount: 3\n resources:\n   limits: { cpu: "1", memory: 512Mi }\n+image:\n+  tag: 2.1.0\n`,
      );
      expect(await world.ctx.git.readFile({ ref: head, path: file })).toBe(after);
      // One commit, and the shared file untouched.
      expect(await world.ctx.git.readFile({ ref: head, path: "charts/api/values.yaml" })).toBe(
        argocdSharedValues(true)["charts/api/values.yaml"],
      );
      expect((await world.ctx.git.listCommits({ ref: head, limit: 2 }))[1]?.sha).toBe(base);

      expect(merged.catalogue).toEqual({ queued: true });
      await world.importNow();
      expect(await versions(world)).toEqual([
        ["api", "dev", "2.0.0", "charts/api/values.yaml"],
        ["api", "staging", "2.1.0", "charts/api/values-staging.yaml"],
        ["api", "prod", "2.1.0", file],
        ["jobs", "prod", "2.0.0", "charts/api/values.yaml"],
      ]);
      expect(await world.importNow()).toMatchObject({ appsUpdated: 0, problems: 0 });
    });

    it("with writeOverrides, refuses an app whose Application lists no values file of its own, naming what to add", async () => {
      const files = argocdSharedValues(true);
      // jobs lists only the shared file: there is nowhere of its own to write.
      files["argocd/jobs-prod.yaml"] = (files["argocd/jobs-prod.yaml"] ?? "").replace(
        "        - values-jobs-prod.yaml\n",
        "",
      );
      files["argocd/jobs-staging.yaml"] = (files["argocd/jobs-prod.yaml"] ?? "")
        .replaceAll("jobs-prod", "jobs-staging")
        .replace(
          "        - values.yaml\n",
          "        - values.yaml\n        - values-staging.yaml\n",
        );
      world = await adopt(files);
      await world.importNow();
      const error = await refusal(world, "jobs");
      expect(error.message).toBe(
        "Promoting jobs to prod edits charts/api/values.yaml → image.tag, which also decides the version of api in dev, api in prod: they would move too, and there is no file of prod's own to write it to instead: Application jobs-prod lists no values file of its own after charts/api/values.yaml (charts/api/values.yaml: each is listed by other Applications too, or comes before it); add one for prod (values-prod.yaml, say), last in its helm.valueFiles",
      );
    });
  });

  describe("Flux: a base that the production overlay does not patch", () => {
    it("is not edited for production: refused, naming the base, what would move and the setting", async () => {
      world = await adopt(fluxSharedBase(false));
      expect(await world.importNow()).toMatchObject({ appsSeen: 2, problems: 0 });
      expect(await versions(world)).toEqual([
        ["cart", "dev", "4.0.0", "apps/base/cart/release.yaml"],
        ["cart", "staging", "4.1.0", "apps/staging/cart-values.yaml"],
        ["cart", "prod", "4.0.0", "apps/base/cart/release.yaml"],
        ["shop", "dev", "7.0.0", "apps/base/shop/release.yaml"],
        ["shop", "staging", "7.1.0", "apps/staging/shop-values.yaml"],
        ["shop", "prod", "7.0.0", "apps/base/shop/release.yaml"],
      ]);
      expect((await refusal(world, "cart")).message).toBe(
        "Promoting cart to prod edits apps/base/cart/release.yaml → spec.values.image.tag, which also decides the version of cart in dev: it would move too. Set writeOverrides: true in gantry.yaml to have Gantry write the version into prod's own file apps/production/cart-values.yaml instead",
      );
      expect((await refusal(world, "shop")).message).toBe(
        "Promoting shop to prod edits apps/base/shop/release.yaml → spec.values.image.tag, which also decides the version of shop in dev: it would move too. Set writeOverrides: true in gantry.yaml to have Gantry write the version into a new patch apps/production/shop-version.yaml, listed in apps/production/kustomization.yaml instead",
      );
    });

    it("with writeOverrides, adds the tag to the overlay's existing patch; dev keeps the base's", async () => {
      world = await adopt(fluxSharedBase(true));
      await world.importNow();
      const file = "apps/production/cart-values.yaml";
      const after = `${fluxSharedBase(true)[file]}    image:\n      tag: 4.1.0\n`;
      const { row, head } = await promote(world, "cart", "prod");
      expect(row).toMatchObject({ valuesPath: file, version: "4.1.0", previousVersion: "4.0.0" });
      expect(await world.ctx.git.readFile({ ref: head, path: file })).toBe(after);
      expect(await world.ctx.git.readFile({ ref: head, path: "apps/base/cart/release.yaml" })).toBe(
        fluxSharedBase(true)["apps/base/cart/release.yaml"],
      );

      await world.importNow();
      expect((await versions(world)).filter(([app]) => app === "cart")).toEqual([
        ["cart", "dev", "4.0.0", "apps/base/cart/release.yaml"],
        ["cart", "staging", "4.1.0", "apps/staging/cart-values.yaml"],
        ["cart", "prod", "4.1.0", file],
      ]);
    });

    it("with writeOverrides and no patch in the overlay, creates one and lists it, in one commit", async () => {
      world = await adopt(fluxSharedBase(true));
      await world.importNow();
      const patch = "apps/production/shop-version.yaml";
      const kustomization = "apps/production/kustomization.yaml";
      const patchText = `# shop's version in this environment, set here rather than in the shared base
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: shop
  namespace: shop
spec:
  values:
    image:
      tag: 7.1.0
`;
      const listed = `${fluxSharedBase(true)[kustomization]}  - path: shop-version.yaml\n`;

      const { row, head, base } = await promote(world, "shop", "prod");
      expect(row).toMatchObject({ valuesPath: patch, version: "7.1.0", previousVersion: "7.0.0" });
      // The diff shown is the commit: the new file from /dev/null, and the one added line.
      expect(row.planDiff).toBe(
        `--- /dev/null\n+++ b/${patch}\n@@ -0,0 +1,10 @@\n${patchText
          .split("\n")
          .slice(0, -1)
          .map((line) => `+${line}\n`)
          .join(
            "",
          )}--- a/${kustomization}\n+++ b/${kustomization}\n@@ -8,3 +8,4 @@\n     target:\n       kind: HelmRelease\n       name: cart\n+  - path: shop-version.yaml\n`,
      );
      expect(await world.ctx.git.readFile({ ref: head, path: patch })).toBe(patchText);
      expect(await world.ctx.git.readFile({ ref: head, path: kustomization })).toBe(listed);
      expect((await world.ctx.git.listCommits({ ref: head, limit: 2 }))[1]?.sha).toBe(base);

      await world.importNow();
      expect(await versions(world)).toEqual([
        ["cart", "dev", "4.0.0", "apps/base/cart/release.yaml"],
        ["cart", "staging", "4.1.0", "apps/staging/cart-values.yaml"],
        ["cart", "prod", "4.0.0", "apps/base/cart/release.yaml"],
        ["shop", "dev", "7.0.0", "apps/base/shop/release.yaml"],
        ["shop", "staging", "7.1.0", "apps/staging/shop-values.yaml"],
        ["shop", "prod", "7.1.0", patch],
      ]);
      expect(await world.importNow()).toMatchObject({ appsUpdated: 0, problems: 0 });
    });
  });
});
