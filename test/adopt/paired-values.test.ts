import { afterEach, describe, expect, it } from "vitest";
import { GantryError } from "@/lib/errors";
import { planPromotion } from "@/lib/promotion/plan-promotion";
import { registerRelease } from "@/lib/releases/register-release";
import { PAYMENTS_CI, RecordedReleaseJobs } from "@/test/releases/support";
import { chartDefaults, pinnedDigests } from "./fixtures";
import { adopt, cells, promote, type World } from "./world";

const CI_DIGEST = `sha256:${"c".repeat(64)}`;

describe("versions that depend on something else", () => {
  let world: World;
  afterEach(async () => {
    await world?.close();
  });

  const plan = (application: string) =>
    planPromotion({
      db: world.ctx.db,
      git: world.ctx.git,
      versionPath: "image.tag",
      application,
      environment: "prod",
    });

  describe("a tag pinned with a digest", () => {
    it("is refused while the new version's digest is unknown, naming the file", async () => {
      world = await adopt(pinnedDigests());
      expect(await world.importNow()).toMatchObject({ appsSeen: 1, problems: 0 });
      const refusal = await plan("api").then(
        () => null,
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(GantryError);
      expect((refusal as GantryError).message).toMatch(
        /^deploy\/prod\/api\/values\.yaml:4:\d+: .*pinned to the digest sha256:a{12}…, and the digest of 2\.1\.0 is unknown/,
      );
    });

    it("moves with the digest CI registered for the version: the plan and the commit change both, nothing else", async () => {
      world = await adopt(pinnedDigests());
      await world.importNow();
      await registerRelease({
        db: world.ctx.db,
        jobs: new RecordedReleaseJobs(),
        principal: PAYMENTS_CI,
        input: { app: "api", version: "2.1.0", digest: CI_DIGEST },
      });
      const file = "deploy/prod/api/values.yaml";
      const before = pinnedDigests()[file] ?? "";
      const after = before
        .replace('  tag: "2.0.0"\n', '  tag: "2.1.0"\n')
        .replace(`  digest: sha256:${"a".repeat(64)}\n`, `  digest: ${CI_DIGEST}\n`);

      const planned = await plan("api");
      expect(planned.newContent).toBe(after);
      expect(planned.edits).toEqual([
        { locator: { kind: "yaml", file, path: "image.tag" }, version: "2.1.0", digest: CI_DIGEST },
      ]);

      const { head, merged } = await promote(world, "api", "prod");
      expect(await world.ctx.git.readFile({ ref: head, path: file })).toBe(after);
      expect(merged.catalogue).toEqual({ queued: true });
      await world.importNow();
      expect((await cells(world)).map((c) => [c.env, c.version])).toEqual([
        ["staging", "2.1.0"],
        ["prod", "2.1.0"],
      ]);
    });
  });

  describe('a chart that ships tag: ""', () => {
    it("reads as the chart's appVersion when the chart is in the repository, and as no version (the chart's default) when it is not", async () => {
      world = await adopt(chartDefaults());
      expect(await world.importNow()).toMatchObject({ appsSeen: 2, problems: 0 });
      expect((await cells(world)).map((c) => [c.app, c.env, c.version, c.valuesPath])).toEqual([
        ["edge", "staging", "1.1.0", "argocd/edge-staging.yaml"],
        ["edge", "prod", null, "argocd/edge-prod.yaml"],
        ["web", "staging", "3.3.0", "charts/web/values-staging.yaml"],
        ["web", "prod", "3.2.0", "charts/web/values-prod.yaml"],
      ]);
    });

    it("stays promotable: only the empty tag's bytes change, and re-import converges", async () => {
      world = await adopt(chartDefaults());
      await world.importNow();

      const webFile = "charts/web/values-prod.yaml";
      const web = await promote(world, "web", "prod");
      expect(web.row).toMatchObject({ version: "3.3.0", previousVersion: "" });
      expect(await world.ctx.git.readFile({ ref: web.head, path: webFile })).toBe(
        chartDefaults()[webFile]?.replace('  tag: ""', '  tag: "3.3.0"'),
      );

      const edgeFile = "argocd/edge-prod.yaml";
      const edge = await promote(world, "edge", "prod");
      expect(await world.ctx.git.readFile({ ref: edge.head, path: edgeFile })).toBe(
        chartDefaults()[edgeFile]?.replace('          tag: ""', '          tag: "1.1.0"'),
      );

      await world.importNow();
      expect((await cells(world)).map((c) => c.version)).toEqual([
        "1.1.0",
        "1.1.0",
        "3.3.0",
        "3.3.0",
      ]);
      expect(await world.importNow()).toMatchObject({ appsUpdated: 0, problems: 0 });
    });
  });
});
