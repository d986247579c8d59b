import { afterEach, describe, expect, it } from "vitest";
import { previewPromotion } from "@/lib/promotion/preview-promotion";
import { registerRelease } from "@/lib/releases/register-release";
import { ALICE } from "@/test/promotion/support";
import { PAYMENTS_CI, RecordedReleaseJobs } from "@/test/releases/support";
import { DIGEST, emptyTagBeforeProd, pairedDigestLocators } from "./shared-file-fixtures";
import { adopt, cells, promote, type World } from "./world";

describe("what a promotion takes from the release and the previous environment", () => {
  let world: World;
  afterEach(async () => {
    await world?.close();
  });

  it("writes the registered digest to every locator of the cell that pins the same image", async () => {
    world = await adopt(pairedDigestLocators());
    expect(await world.importNow()).toMatchObject({ appsSeen: 1, problems: 0 });
    await registerRelease({
      db: world.ctx.db,
      jobs: new RecordedReleaseJobs(),
      principal: PAYMENTS_CI,
      input: { app: "api", version: "2.1.0", digest: DIGEST.ci },
    });
    const file = "deploy/prod/api/values.yaml";
    const after = (pairedDigestLocators()[file] ?? "")
      .replace('  tag: "2.0.0"\n', '  tag: "2.1.0"\n')
      .replace(`  digest: ${DIGEST.prod}\n`, `  digest: ${DIGEST.ci}\n`)
      .replace(
        `  image: ghcr.io/acme/api:2.0.0@${DIGEST.prod}\n`,
        `  image: ghcr.io/acme/api:2.1.0@${DIGEST.ci}\n`,
      );

    const { row, head } = await promote(world, "api", "prod");
    expect(row.locators).toEqual([
      { locator: { kind: "yaml", file, path: "image.tag" }, version: "2.1.0", digest: DIGEST.ci },
      {
        locator: { kind: "image-reference", file, path: "migrations.image" },
        version: "2.1.0",
        digest: DIGEST.ci,
      },
    ]);
    expect(await world.ctx.git.readFile({ ref: head, path: file })).toBe(after);
    await world.importNow();
    expect((await cells(world)).map((c) => [c.env, c.version])).toEqual([
      ["staging", "2.1.0"],
      ["prod", "2.1.0"],
    ]);
  });

  describe("a previous environment whose tag is empty (the chart's appVersion runs there)", () => {
    const preview = (application: string) =>
      previewPromotion({
        ctx: world.ctx,
        person: ALICE,
        application,
        choice: { environment: "prod", skipOrder: false, allowNewVersion: false },
      });

    it("offers the chart's appVersion when the chart is in the repository, and promotes it", async () => {
      world = await adopt(emptyTagBeforeProd());
      expect(await world.importNow()).toMatchObject({ appsSeen: 2, problems: 0 });
      const shown = await preview("web");
      expect(shown.refusal).toBeNull();
      expect(shown.plan).toMatchObject({
        version: "3.3.0",
        fromEnvironment: { name: "staging", version: "3.3.0" },
        versionSource: {
          kind: "previous_environment",
          explanation:
            "the version staging runs: the chart's appVersion, since charts/web/values-staging.yaml → image.tag is empty there",
        },
      });

      const file = "charts/web/values-prod.yaml";
      const { row, head } = await promote(world, "web", "prod");
      expect(row).toMatchObject({ version: "3.3.0", previousVersion: "3.2.0" });
      expect(await world.ctx.git.readFile({ ref: head, path: file })).toBe(
        'image:\n  tag: "3.3.0"\n',
      );
      await world.importNow();
      expect((await cells(world)).filter((c) => c.app === "web").map((c) => c.version)).toEqual([
        "3.3.0",
        "3.3.0",
      ]);
    });

    it("says the previous environment runs the chart's default when the chart is elsewhere", async () => {
      world = await adopt(emptyTagBeforeProd());
      await world.importNow();
      const shown = await preview("edge");
      expect(shown.plan).toBeNull();
      expect(shown.refusal).toBe(
        "staging runs the chart's default version: argocd/edge-staging.yaml → spec.source.helm.valuesObject.image.tag is empty and the chart is not in this repository, so its appVersion is unknown here; say which version to promote",
      );
    });
  });
});
