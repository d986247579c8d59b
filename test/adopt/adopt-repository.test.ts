import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GantryError } from "@/lib/errors";
import { planPromotion } from "@/lib/promotion/plan-promotion";
import {
  argocdAppOfApps,
  argocdListApplicationSet,
  fluxRepository,
  helmReleasesWithRange,
  kustomizeOverlays,
  pathsMonorepo,
} from "./fixtures";
import { adopt, cells, promote, type World } from "./world";

describe("adopting a repository through gantry.yaml", () => {
  let world: World;
  afterEach(async () => {
    await world?.close();
  });

  describe("a team/app/env monorepo (paths rule)", () => {
    beforeEach(async () => {
      world = await adopt(pathsMonorepo());
    });

    it("imports every cell with its file and locator, team from the path, metadata from a file", async () => {
      const result = await world.importNow();
      expect(result).toMatchObject({ appsSeen: 2, appsCreated: 2, problems: 0 });
      expect(await cells(world)).toEqual([
        ...["dev", "staging", "prod"].map((env) => {
          const dir = env === "prod" ? "production" : env;
          const file = `${dir}/payments/checkout-api/values.yaml`;
          return {
            app: "checkout-api",
            env,
            version: env === "prod" ? "2.3.1" : "2.4.0",
            valuesPath: file,
            locators: [{ kind: "yaml", file, path: "image.tag" }],
          };
        }),
        {
          app: "indexer",
          env: "dev",
          version: "0.9.0",
          valuesPath: "dev/search/indexer/values.yaml",
          locators: [{ kind: "yaml", file: "dev/search/indexer/values.yaml", path: "image.tag" }],
        },
        {
          app: "indexer",
          env: "prod",
          version: "0.8.2",
          valuesPath: "production/search/indexer/values.yaml",
          locators: [
            { kind: "yaml", file: "production/search/indexer/values.yaml", path: "image.tag" },
          ],
        },
      ]);
      const app = await world.ctx.db.application.findUniqueOrThrow({
        where: { slug: "checkout-api" },
        select: { description: true, tier: true, team: { select: { slug: true } } },
      });
      expect(app).toEqual({
        description: "Takes the money",
        tier: "critical",
        team: { slug: "payments" },
      });
    });

    it("promotes one app: the commit changes the version's bytes only, merges, and re-import converges", async () => {
      await world.importNow();
      const file = "production/payments/checkout-api/values.yaml";
      const before = pathsMonorepo()[file] ?? "";
      const { row, head, merged } = await promote(world, "checkout-api", "prod");
      expect(row).toMatchObject({ valuesPath: file, version: "2.4.0", previousVersion: "2.3.1" });
      expect(await world.ctx.git.readFile({ ref: head, path: file })).toBe(
        before.replace("  tag: '2.3.1'\n", "  tag: '2.4.0'\n"),
      );
      expect(row.planDiff).toContain("-  tag: '2.3.1'\n+  tag: '2.4.0'\n");
      // The merge queues the catalogue's import; the test runs it.
      expect(merged.catalogue).toEqual({ queued: true });
      await world.importNow();
      const prod = (await cells(world)).find((c) => c.app === "checkout-api" && c.env === "prod");
      expect(prod?.version).toBe("2.4.0");
      const again = await world.importNow();
      expect(again).toMatchObject({ appsCreated: 0, appsUpdated: 0, appsArchived: 0, problems: 0 });
    });

    it("fails the import on a broken gantry.yaml, naming line and column, and keeps the catalogue", async () => {
      await world.importNow();
      world.repo.commit({
        "gantry.yaml":
          pathsMonorepo()["gantry.yaml"]?.replace("{env}/{team}", "{env}/{squad}") ?? "",
      });
      const failure = await world.importNow().then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(GantryError);
      expect((failure as GantryError).message).toBe(
        "gantry.yaml:19:15: discovery[0].template: unknown placeholder {squad}; a template may use {app}, {env}, {team}, {*}",
      );
      expect(await world.ctx.db.application.count({ where: { archivedAt: null } })).toBe(2);
    });
  });

  describe("a plain Kustomize overlays repository (kustomize rule)", () => {
    beforeEach(async () => {
      world = await adopt(kustomizeOverlays());
    });

    it("imports each image as an app, its newTag the version, team and tier from the overrides", async () => {
      const result = await world.importNow();
      expect(result).toMatchObject({ appsSeen: 2, problems: 0 });
      expect(await cells(world)).toEqual([
        ...[
          ["api", "dev", "v1.3.0"],
          ["api", "prod", "v1.2.0"],
          ["worker", "dev", "2.1.0"],
          ["worker", "prod", "2.1.0"],
        ].map(([app, env, version]) => ({
          app,
          env,
          version,
          valuesPath: `overlays/${env}/kustomization.yaml`,
          locators: [
            {
              kind: "kustomize-image",
              file: `overlays/${env}/kustomization.yaml`,
              image: `ghcr.io/acme/${app}`,
            },
          ],
        })),
      ]);
      const api = await world.ctx.db.application.findUniqueOrThrow({
        where: { slug: "api" },
        select: { tier: true, description: true, team: { select: { slug: true } } },
      });
      expect(api).toEqual({
        tier: "high",
        description: "The public API",
        team: { slug: "payments" },
      });
    });

    it("promotes api to prod: only its newTag changes, the worker entry is untouched, and re-import converges", async () => {
      await world.importNow();
      const file = "overlays/prod/kustomization.yaml";
      const before = kustomizeOverlays()[file] ?? "";
      const { head, row, merged } = await promote(world, "api", "prod");
      expect(row).toMatchObject({ version: "v1.3.0", previousVersion: "v1.2.0" });
      expect(await world.ctx.git.readFile({ ref: head, path: file })).toBe(
        before.replace("    newTag: v1.2.0\n", "    newTag: v1.3.0\n"),
      );
      // The merge queues the catalogue's import; the test runs it.
      expect(merged.catalogue).toEqual({ queued: true });
      await world.importNow();
      const cellsAfter = await cells(world);
      expect(cellsAfter.find((c) => c.app === "api" && c.env === "prod")?.version).toBe("v1.3.0");
      expect(cellsAfter.find((c) => c.app === "worker" && c.env === "prod")?.version).toBe("2.1.0");
      expect(await world.importNow()).toMatchObject({
        appsCreated: 0,
        appsUpdated: 0,
        problems: 0,
      });
    });
  });

  describe("Argo CD (argocd rule)", () => {
    it("app-of-apps: promotes to prod by editing the values file that decides there, and converges", async () => {
      world = await adopt(argocdAppOfApps());
      expect(await world.importNow()).toMatchObject({ appsSeen: 1, problems: 0 });
      const file = "charts/ledger/values.yaml";
      const before = argocdAppOfApps()[file] ?? "";
      const { head, row, merged } = await promote(world, "ledger", "prod");
      expect(row).toMatchObject({ valuesPath: file, version: "1.5.0", previousVersion: "1.0.0" });
      expect(await world.ctx.git.readFile({ ref: head, path: file })).toBe(
        before.replace("  tag: 1.0.0 # the chart's default", "  tag: 1.5.0 # the chart's default"),
      );
      // The merge queues the catalogue's import; the test runs it.
      expect(merged.catalogue).toEqual({ queued: true });
      await world.importNow();
      expect((await cells(world)).map((c) => [c.env, c.version])).toEqual([
        ["staging", "1.5.0"],
        ["prod", "1.5.0"],
      ]);
      expect(await world.importNow()).toMatchObject({
        appsCreated: 0,
        appsUpdated: 0,
        problems: 0,
      });
    });

    it("ApplicationSet list generator: promotes by editing the prod element's tag only", async () => {
      world = await adopt(argocdListApplicationSet());
      await world.importNow();
      const file = "appsets/billing.yaml";
      const before = argocdListApplicationSet()[file] ?? "";
      const { head, merged } = await promote(world, "billing", "prod");
      expect(await world.ctx.git.readFile({ ref: head, path: file })).toBe(
        before.replace(
          '          - env: prod\n            tag: "3.1.0"',
          '          - env: prod\n            tag: "3.2.0"',
        ),
      );
      // The merge queues the catalogue's import; the test runs it.
      expect(merged.catalogue).toEqual({ queued: true });
      await world.importNow();
      expect((await cells(world)).map((c) => [c.env, c.version])).toEqual([
        ["staging", "3.2.0"],
        ["prod", "3.2.0"],
      ]);
    });
  });

  describe("a chart version that is a range", () => {
    const plan = () =>
      planPromotion({
        db: world.ctx.db,
        git: world.ctx.git,
        versionPath: "image.tag",
        application: "podinfo",
        environment: "prod",
      });

    it("is read and shown as the range, and promoting it is refused naming the file and the setting", async () => {
      world = await adopt(helmReleasesWithRange(false));
      expect(await world.importNow()).toMatchObject({ problems: 0 });
      expect((await cells(world)).map((c) => c.version)).toEqual(["6.5.0", ">=6.0.0 <7.0.0"]);
      const refusal = await plan().then(
        () => null,
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(GantryError);
      expect((refusal as GantryError).message).toMatch(
        /^clusters\/prod\/podinfo\/release\.yaml:\d+:\d+: .*pinRanges/,
      );
    });

    it("is pinned to the exact version when gantry.yaml says pinRanges: true", async () => {
      world = await adopt(helmReleasesWithRange(true));
      await world.importNow();
      const result = await plan();
      expect(result).toMatchObject({ version: "6.5.0", currentVersion: ">=6.0.0 <7.0.0" });
      expect(result.diff).toContain('-      version: ">=6.0.0 <7.0.0"\n+      version: "6.5.0"\n');
    });
  });

  describe("Flux base and overlays (flux rule)", () => {
    it("promotes to prod (apps/production) by editing the base that decides there; the tag and the chart version move together", async () => {
      world = await adopt(fluxRepository());
      expect(await world.importNow()).toMatchObject({ appsSeen: 1, problems: 0 });
      expect((await cells(world)).map((c) => [c.env, c.version, c.valuesPath])).toEqual([
        ["staging", "4.1.0", "apps/staging/cart-values.yaml"],
        ["prod", "4.0.0", "apps/base/cart/release.yaml"],
      ]);
      const file = "apps/base/cart/release.yaml";
      const before = fluxRepository()[file] ?? "";
      const { head, merged } = await promote(world, "cart", "prod");
      expect(await world.ctx.git.readFile({ ref: head, path: file })).toBe(
        before
          .replace("      tag: 4.0.0 # production", "      tag: 4.1.0 # production")
          .replace('      version: "1.x"', '      version: "1.3.0"'),
      );
      // Staging's own patch is untouched.
      expect(
        await world.ctx.git.readFile({ ref: head, path: "apps/staging/cart-values.yaml" }),
      ).toBe(fluxRepository()["apps/staging/cart-values.yaml"]);
      // The merge queues the catalogue's import; the test runs it.
      expect(merged.catalogue).toEqual({ queued: true });
      await world.importNow();
      expect((await cells(world)).map((c) => c.version)).toEqual(["4.1.0", "4.1.0"]);
      expect(await world.importNow()).toMatchObject({
        appsCreated: 0,
        appsUpdated: 0,
        problems: 0,
      });
    });
  });
});
