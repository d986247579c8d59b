import { afterEach, describe, expect, it } from "vitest";
import { GantryError } from "@/lib/errors";
import { planPromotion } from "@/lib/promotion/plan-promotion";
import { registerRelease } from "@/lib/releases/register-release";
import { PAYMENTS_CI, RecordedReleaseJobs } from "@/test/releases/support";
import { argocdMultiSource } from "./fixtures";
import {
  fluxEnvironmentsByName,
  fluxKustomizationObjects,
  fluxObjectPinsImage,
  kustomizeRenamedAndPinned,
  OLD_DIGEST,
} from "./more-shapes-fixtures";
import { adopt, cells, promote, type World } from "./world";

/**
 * The whole cycle on each shape: import, the catalogue's cells, one
 * promotion whose commit changes only the version's bytes, the merge, and a
 * re-import that converges.
 */
describe("adopting more repository shapes", () => {
  let world: World;
  afterEach(async () => {
    await world?.close();
  });

  /** The files the promotion's commit changed, with their bytes at its head. */
  async function committed(promoted: Awaited<ReturnType<typeof promote>>) {
    const paths =
      (await world.ctx.git.changedPaths?.({ from: promoted.base, to: promoted.head })) ?? [];
    const files = await world.ctx.git.readFiles({ ref: promoted.head, paths });
    return Object.fromEntries(paths.map((p) => [p, files.get(p)]));
  }

  async function converges() {
    expect(await world.importNow()).toMatchObject({
      appsCreated: 0,
      appsUpdated: 0,
      appsArchived: 0,
      problems: 0,
    });
  }

  describe("an Argo CD multi-source Application with $values", () => {
    it("imports the values file of each environment and the chart version, promotes by editing prod's values file only, and converges", async () => {
      // Owned by payments here, the team of the person who promotes.
      const files = Object.fromEntries(
        Object.entries(argocdMultiSource()).map(([path, text]) => [
          path,
          text.replace("    team: search\n", "    team: payments\n"),
        ]),
      );
      world = await adopt(files);
      expect(await world.importNow()).toMatchObject({ appsSeen: 1, appsCreated: 1, problems: 0 });
      expect(await cells(world)).toEqual(
        [
          ["staging", "7.1.0"],
          ["prod", "7.0.0"],
        ].map(([env, version]) => ({
          app: "search",
          env,
          version,
          valuesPath: `values/search/${env}.yaml`,
          locators: [
            { kind: "yaml", file: `values/search/${env}.yaml`, path: "image.tag" },
            {
              kind: "helm-chart-version",
              file: `apps/search-${env}.yaml`,
              path: "spec.sources[0].targetRevision",
            },
          ],
        })),
      );

      const promoted = await promote(world, "search", "prod");
      expect(promoted.row).toMatchObject({
        valuesPath: "values/search/prod.yaml",
        version: "7.1.0",
        previousVersion: "7.0.0",
      });
      // The chart version is the same in both: the Application is not touched.
      expect(await committed(promoted)).toEqual({
        "values/search/prod.yaml": "image:\n  tag: 7.1.0\n",
      });
      expect(promoted.row.planDiff).toContain("-  tag: 7.0.0\n+  tag: 7.1.0\n");
      expect(promoted.merged.catalogue).toEqual({ queued: true });
      await world.importNow();
      expect((await cells(world)).map((c) => c.version)).toEqual(["7.1.0", "7.1.0"]);
      await converges();
    });
  });

  describe("Flux, read through each cluster's Kustomization objects", () => {
    const storefrontCells = [
      {
        app: "storefront",
        env: "staging",
        version: "5.3.0",
        valuesPath: "deploy/staging/kustomization.yaml",
        locators: [
          {
            kind: "kustomize-image",
            file: "deploy/staging/kustomization.yaml",
            image: "ghcr.io/acme/storefront",
          },
        ],
      },
      {
        app: "storefront",
        env: "prod",
        version: "5.2.0",
        valuesPath: "deploy/base/storefront/kustomization.yaml",
        locators: [
          {
            kind: "kustomize-image",
            file: "deploy/base/storefront/kustomization.yaml",
            image: "ghcr.io/acme/storefront",
            newName: "mirror.acme.internal/storefront",
          },
        ],
      },
    ];

    it("imports the HelmRelease and the plain-manifest app each Kustomization deploys, each at the file that decides", async () => {
      world = await adopt(fluxKustomizationObjects());
      expect(await world.importNow()).toMatchObject({ appsSeen: 2, appsCreated: 2, problems: 0 });
      const all = await cells(world);
      expect(all.map((c) => [c.app, c.env, c.version, c.valuesPath])).toEqual([
        ["catalog", "staging", "3.1.0", "deploy/staging/catalog-values.yaml"],
        ["catalog", "prod", "3.0.0", "deploy/base/catalog/release.yaml"],
        ["storefront", "staging", "5.3.0", "deploy/staging/kustomization.yaml"],
        ["storefront", "prod", "5.2.0", "deploy/base/storefront/kustomization.yaml"],
      ]);
      expect(all.filter((c) => c.app === "storefront")).toEqual(storefrontCells);
    });

    it("promotes the plain-manifest app to prod by editing the base's images entry, the overlay's rename untouched, and converges", async () => {
      const files = fluxKustomizationObjects();
      world = await adopt(files);
      await world.importNow();
      const file = "deploy/base/storefront/kustomization.yaml";
      const promoted = await promote(world, "storefront", "prod");
      expect(promoted.row).toMatchObject({ version: "5.3.0", previousVersion: "5.2.0" });
      expect(await committed(promoted)).toEqual({
        [file]: files[file]?.replace("    newTag: 5.2.0 # what", "    newTag: 5.3.0 # what"),
      });
      expect(promoted.merged.catalogue).toEqual({ queued: true });
      await world.importNow();
      expect((await cells(world)).filter((c) => c.app === "storefront")).toEqual(
        storefrontCells.map((cell) => ({ ...cell, version: "5.3.0" })),
      );
      await converges();
    });

    it("promotes the HelmRelease to prod by editing the base release's tag only, and converges", async () => {
      const files = fluxKustomizationObjects();
      world = await adopt(files);
      await world.importNow();
      const file = "deploy/base/catalog/release.yaml";
      const promoted = await promote(world, "catalog", "prod");
      expect(await committed(promoted)).toEqual({
        [file]: files[file]?.replace("      tag: 3.0.0\n", "      tag: 3.1.0\n"),
      });
      await world.importNow();
      expect((await cells(world)).filter((c) => c.app === "catalog").map((c) => c.version)).toEqual(
        ["3.1.0", "3.1.0"],
      );
      await converges();
    });

    it("promotes an image the cluster's Kustomization pins in spec.images by editing that object, and converges", async () => {
      const files = fluxObjectPinsImage();
      world = await adopt(files);
      expect(await world.importNow()).toMatchObject({ problems: 0 });
      const file = "clusters/production/apps.yaml";
      expect(
        (await cells(world)).find((c) => c.app === "storefront" && c.env === "prod"),
      ).toMatchObject({ version: "5.2.1", valuesPath: file });
      const promoted = await promote(world, "storefront", "prod");
      expect(await committed(promoted)).toEqual({
        [file]: files[file]?.replace(
          "      newTag: 5.2.1 # hotfix",
          "      newTag: 5.3.0 # hotfix",
        ),
      });
      await world.importNow();
      expect(
        (await cells(world)).filter((c) => c.app === "storefront").map((c) => c.version),
      ).toEqual(["5.3.0", "5.3.0"]);
      await converges();
    });

    it("takes the environment from the Kustomization's name, and promotes in the directory it deploys", async () => {
      const files = fluxEnvironmentsByName();
      world = await adopt(files);
      expect(await world.importNow()).toMatchObject({ appsSeen: 1, problems: 0 });
      expect((await cells(world)).map((c) => [c.env, c.version, c.valuesPath])).toEqual([
        ["staging", "6.7.1", "apps/staging/podinfo.yaml"],
        ["prod", "6.6.0", "apps/production/podinfo.yaml"],
      ]);
      const file = "apps/production/podinfo.yaml";
      const promoted = await promote(world, "podinfo", "prod");
      expect(await committed(promoted)).toEqual({
        [file]: files[file]?.replace(
          "      tag: 6.6.0 # bumped after the soak",
          "      tag: 6.7.1 # bumped after the soak",
        ),
      });
      await world.importNow();
      expect((await cells(world)).map((c) => c.version)).toEqual(["6.7.1", "6.7.1"]);
      await converges();
    });
  });

  describe("a Kustomize image renamed with newName and pinned to a digest", () => {
    const file = "overlays/prod/kustomization.yaml";
    const CI_DIGEST = `sha256:${"f".repeat(64)}`;

    it("is refused while the new tag's digest is unknown, naming the file", async () => {
      world = await adopt(kustomizeRenamedAndPinned());
      expect(await world.importNow()).toMatchObject({ appsSeen: 1, problems: 0 });
      expect((await cells(world)).map((c) => [c.env, c.version, c.locators])).toEqual(
        ["staging", "prod"].map((env) => [
          env,
          env === "prod" ? "1.8.2" : "1.9.0",
          [
            {
              kind: "kustomize-image",
              file: `overlays/${env}/kustomization.yaml`,
              image: "ghcr.io/acme/ledger",
              newName: "registry.internal.acme/ledger",
            },
          ],
        ]),
      );
      const refusal = await planPromotion({
        db: world.ctx.db,
        git: world.ctx.git,
        versionPath: "image.tag",
        application: "ledger",
        environment: "prod",
      }).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(GantryError);
      expect((refusal as GantryError).message).toMatch(
        /^overlays\/prod\/kustomization\.yaml:\d+:\d+: images\[name=ghcr\.io\/acme\/ledger\]\.newTag is pinned to the digest sha256:d{12}…, and the digest of 1\.9\.0 is unknown/,
      );
    });

    it("moves newTag and digest as a pair with the registered digest, newName untouched, and converges", async () => {
      const files = kustomizeRenamedAndPinned();
      world = await adopt(files);
      await world.importNow();
      await registerRelease({
        db: world.ctx.db,
        jobs: new RecordedReleaseJobs(),
        principal: PAYMENTS_CI,
        input: { app: "ledger", version: "1.9.0", digest: CI_DIGEST },
      });
      const promoted = await promote(world, "ledger", "prod");
      expect(promoted.row).toMatchObject({ version: "1.9.0", previousVersion: "1.8.2" });
      expect(await committed(promoted)).toEqual({
        [file]: files[file]
          ?.replace("    newTag: 1.8.2\n", "    newTag: 1.9.0\n")
          .replace(`    digest: ${OLD_DIGEST}\n`, `    digest: ${CI_DIGEST}\n`),
      });
      expect(await committed(promoted)).toEqual({
        [file]: expect.stringContaining(
          "    newName: registry.internal.acme/ledger # the mirror\n",
        ),
      });
      await world.importNow();
      expect((await cells(world)).map((c) => c.version)).toEqual(["1.9.0", "1.9.0"]);
      await converges();
    });
  });
});
