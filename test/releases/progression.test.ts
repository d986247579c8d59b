import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { evaluateProgression } from "@/lib/releases/evaluate-progression";
import { listReleaseProgress } from "@/lib/releases/list-release-progress";
import { listReleases } from "@/lib/releases/list-releases";
import { ADA } from "@/test/promotion/support";
import { createReleaseWorld, type ReleaseWorld } from "./support";

const MINUTE = 60_000;
const later = (from: Date, minutes: number) => new Date(from.getTime() + minutes * MINUTE);

/**
 * The progression rules on a real database and repository, with the clock
 * passed in: dev takes each release at once and merges by itself, staging
 * takes it after it ran healthy in dev for the soak.
 */
describe("progression rules", () => {
  let w: ReleaseWorld;

  beforeEach(async () => {
    w = await createReleaseWorld();
  });
  afterEach(async () => {
    await w?.close();
  });

  const evaluate = (now: Date, extra: Partial<Parameters<typeof evaluateProgression>[0]> = {}) =>
    evaluateProgression({ ctx: w.ctx, now, ...extra });
  const step = (version: string, environment: string) =>
    w.db.releaseStep.findFirst({
      where: {
        release: { version, application: { slug: "app-0" } },
        environment: { name: environment },
      },
      select: { state: true, reason: true, promotionId: true, gateChecks: true, rule: true },
    });

  /** Registers app-0 `version`, lets dev's rule open and merge it, and dev's cluster report it healthy. */
  async function deployedInDev(version: string): Promise<Date> {
    await w.register("app-0", version);
    const opened = await evaluate(new Date());
    expect(opened.opened.map((o) => `${o.environment} ${o.version}`)).toContain(`dev ${version}`);
    await w.runPullRequestJobs();
    const promotion = (await w.promotionsOf("app-0", "dev")).find((p) => p.version === version);
    expect(promotion?.state).toBe("merged");
    await w.report({
      cluster: "dev-eu-1",
      environment: "dev",
      application: "app-0",
      syncState: "Synced",
      health: "Healthy",
      revision: promotion?.mergeCommit ?? null,
      at: new Date(),
    });
    const deployed = (await w.promotionsOf("app-0", "dev")).find((p) => p.version === version);
    expect(deployed?.state).toBe("deployed");
    return deployed?.deployedAt ?? new Date(0);
  }

  /** dev-eu-1 still reports app-0 as it is (a heartbeat), so the cluster is not stale at `at`. */
  const heartbeat = async (at: Date, revision: string | null) =>
    w.report({
      cluster: "dev-eu-1",
      environment: "dev",
      application: "app-0",
      syncState: "Synced",
      health: "Healthy",
      revision,
      at,
    });

  it("on-release: a registered release opens its dev promotion as the rule, which merges by itself", async () => {
    await w.setPolicies({ dev: "autoPromote: on-release\nautoMerge: true" });
    await w.register("app-0", "2.0.0");
    expect(w.releaseJobs.requested).toEqual(["release app-0 2.0.0 registered"]);

    const outcome = await evaluate(new Date());
    expect(outcome.opened).toEqual([
      expect.objectContaining({ application: "app-0", environment: "dev", version: "2.0.0" }),
    ]);
    const [promotion] = await w.promotionsOf("app-0", "dev");
    expect(promotion?.requestedByName).toBe("rule on-release of dev");
    expect(await step("2.0.0", "dev")).toMatchObject({
      state: "promoted",
      promotionId: promotion?.id,
      rule: "on-release",
    });
    const requested = await w.db.auditEvent.findFirstOrThrow({
      where: { promotionId: promotion?.id, action: "promotion.planned" },
    });
    expect(requested).toMatchObject({ actorKind: "rule", actorName: "rule on-release of dev" });

    // A second evaluation (or a retried job) opens nothing more.
    expect((await evaluate(new Date())).opened).toEqual([]);
    await w.runPullRequestJobs();
    expect((await w.promotionsOf("app-0", "dev")).map((p) => p.state)).toEqual(["merged"]);
    // Other apps have no release: nothing moved for them.
    expect(await w.promotionsOf("app-1", "dev")).toEqual([]);
  });

  it("never opens two promotions for one release and environment, even when evaluations race", async () => {
    await w.setPolicies({ dev: "autoPromote: on-release" });
    await w.register("app-0", "2.0.0");
    const now = new Date();
    const outcomes = await Promise.all([evaluate(now), evaluate(now), evaluate(now)]);
    expect(outcomes.flatMap((o) => o.opened)).toHaveLength(1);
    expect(await w.promotionsOf("app-0", "dev")).toHaveLength(1);
    await expect(
      w.db.releaseStep.create({
        data: {
          releaseId: (await w.db.release.findFirstOrThrow({ where: { version: "2.0.0" } })).id,
          environmentId: (await w.db.environment.findUniqueOrThrow({ where: { name: "dev" } })).id,
          rule: "on-release",
        },
      }),
    ).rejects.toThrow();
  });

  it("after-healthy: staging opens only after the soak, which a failed sync in dev starts again", async () => {
    await w.setPolicies({
      dev: "autoPromote: on-release\nautoMerge: true",
      staging: "autoPromote: after-healthy\nsoak: 30m",
    });
    const deployedAt = await deployedInDev("2.0.0");
    const [devPromotion] = await w.promotionsOf("app-0", "dev");
    const revision = devPromotion?.mergeCommit ?? null;

    await heartbeat(later(deployedAt, 10), revision);
    expect((await evaluate(later(deployedAt, 10))).opened).toEqual([]);
    expect(await step("2.0.0", "staging")).toMatchObject({
      state: "soaking",
      rule: "after-healthy",
    });

    // Twelve minutes in, dev's cluster fails the sync; at fifteen it is healthy again.
    await w.report({
      cluster: "dev-eu-1",
      environment: "dev",
      application: "app-0",
      syncState: "OutOfSync",
      health: "Degraded",
      revision,
      at: later(deployedAt, 12),
    });
    expect((await evaluate(later(deployedAt, 13))).opened).toEqual([]);
    expect(await step("2.0.0", "staging")).toMatchObject({ state: "waiting" });
    await heartbeat(later(deployedAt, 15), revision);

    // Thirty minutes after the deploy is not thirty minutes of health.
    await heartbeat(later(deployedAt, 31), revision);
    expect((await evaluate(later(deployedAt, 31))).opened).toEqual([]);
    const soaking = await step("2.0.0", "staging");
    expect(soaking?.state).toBe("soaking");
    expect(soaking?.reason).toContain(
      "the soak started again: dev-eu-1 reported OutOfSync and Degraded",
    );
    expect(await w.promotionsOf("app-0", "staging")).toEqual([]);
    // The app page says where the release is.
    const [shown] = await listReleaseProgress({
      db: w.db,
      application: "app-0",
      now: later(deployedAt, 31),
    });
    expect(shown?.steps.map((s) => `${s.environment}: ${s.text}`)).toEqual([
      "dev: deployed",
      "staging: soaking 16 of 30 min",
      "prod: manual",
    ]);

    await heartbeat(later(deployedAt, 45), revision);
    const outcome = await evaluate(later(deployedAt, 45));
    expect(outcome.opened).toEqual([
      expect.objectContaining({ environment: "staging", version: "2.0.0" }),
    ]);
    const [staging] = await w.promotionsOf("app-0", "staging");
    expect(staging?.requestedByName).toBe("rule after-healthy of staging");
    expect(await step("2.0.0", "staging")).toMatchObject({ state: "promoted" });
  });

  it("a newer release supersedes an older one still waiting in the same environment", async () => {
    await w.setPolicies({
      dev: "autoPromote: on-release\napprovals: 1",
      staging: "autoPromote: after-healthy\nsoak: 30m",
    });
    const first = new Date();
    await w.register("app-0", "2.0.0", first);
    expect((await evaluate(later(first, 1))).opened).toHaveLength(1);
    await w.runPullRequestJobs();
    const [older] = await w.promotionsOf("app-0", "dev");
    expect(older?.state).toBe("pr_open");
    expect(await step("2.0.0", "staging")).toMatchObject({ state: "waiting" });

    await w.register("app-0", "2.1.0", later(first, 2));
    const outcome = await evaluate(later(first, 3));
    const shown = await listReleaseProgress({ db: w.db, application: "app-0" });
    expect(shown.map((r) => `${r.version}: ${r.steps.map((s) => s.text).join(" → ")}`)).toEqual([
      "2.1.0: opening pull request → waiting for 2.1.0 to be deployed in dev → manual",
      "2.0.0: superseded by a newer promotion → superseded by the newer release 2.1.0 → manual",
    ]);
    // The API lists the same standing, for CI and scripts: GET /api/v1/apps/{app}/releases.
    const listed = await listReleases({ db: w.db, principal: ADA, app: "app-0", query: {} });
    const standings = listed.items.map(
      (r) =>
        `${r.version}: ${r.steps.map((s) => `${s.environment} ${s.tone} ${s.text}`).join(" → ")}`,
    );
    expect(standings.slice(0, 2)).toEqual([
      "2.1.0: dev active opening pull request → staging waiting waiting for 2.1.0 to be deployed in dev → prod none manual",
      "2.0.0: dev stopped superseded by a newer promotion → staging stopped superseded by the newer release 2.1.0 → prod none manual",
    ]);
    // Versions the importer saw in Git (one import, so in no particular order): where each runs.
    expect(standings.slice(2).sort()).toEqual([
      "1.0.0: dev none — → staging none — → prod done runs it",
      "1.1.0: dev done runs it → staging done runs it → prod none manual",
    ]);
    expect(listed.items.every((r) => r.heldIn === null)).toBe(true);
    expect(outcome.opened).toEqual([
      expect.objectContaining({ environment: "dev", version: "2.1.0" }),
    ]);
    expect(outcome.superseded).toBe(1);
    const promotions = await w.promotionsOf("app-0", "dev");
    expect(promotions.map((p) => `${p.version} ${p.state}`)).toEqual([
      "2.0.0 superseded",
      "2.1.0 planned",
    ]);
    const superseded = await w.db.auditEvent.findFirstOrThrow({
      where: { promotionId: older?.id, action: "promotion.superseded" },
    });
    expect(superseded.actorKind).toBe("rule");
    expect(await step("2.0.0", "staging")).toMatchObject({
      state: "superseded",
      reason: "superseded by the newer release 2.1.0",
    });
  });

  describe("gates", () => {
    let server: Server;
    let answer = 200;
    let seen: string[] = [];
    beforeEach(async () => {
      answer = 200;
      seen = [];
      server = createServer((request, response) => {
        seen.push(request.url ?? "");
        response.writeHead(answer).end("checked");
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    });
    afterEach(async () => {
      await new Promise((resolve) => server.close(resolve));
    });
    const gateUrl = () =>
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/check/{app}/{env}/{version}`;

    it("a failed gate check stops the release with the reason; passing checks let it through", async () => {
      await w.setPolicies({
        dev: "autoPromote: on-release\nautoMerge: true",
        staging: `autoPromote: after-healthy
soak: 30m
gate:
  url: ${gateUrl()}
  timeout: 2s
  checks: 3`,
      });
      const deployedAt = await deployedInDev("2.0.0");
      const revision = (await w.promotionsOf("app-0", "dev"))[0]?.mergeCommit ?? null;

      await heartbeat(later(deployedAt, 11), revision);
      await evaluate(later(deployedAt, 11));
      expect(seen).toEqual(["/check/app-0/dev/2.0.0"]);
      const first = await step("2.0.0", "staging");
      expect(first?.state).toBe("soaking");
      expect(first?.gateChecks).toEqual([expect.objectContaining({ ok: true, status: 200 })]);

      answer = 503;
      await heartbeat(later(deployedAt, 21), revision);
      const outcome = await evaluate(later(deployedAt, 21));
      expect(outcome.gateFailed).toBe(1);
      const failed = await step("2.0.0", "staging");
      expect(failed?.state).toBe("gate_failed");
      expect(failed?.reason).toMatch(/^gate check 2 of 3 failed: .* answered 503, not 2xx$/);

      // Stopped for good: the soak ending changes nothing.
      answer = 200;
      await heartbeat(later(deployedAt, 40), revision);
      expect((await evaluate(later(deployedAt, 40))).opened).toEqual([]);
      expect(await w.promotionsOf("app-0", "staging")).toEqual([]);
      expect(seen).toHaveLength(2);
    });

    it("opens once every check over the soak passed", async () => {
      await w.setPolicies({
        dev: "autoPromote: on-release\nautoMerge: true",
        staging: `autoPromote: after-healthy\nsoak: 30m\ngate:\n  url: ${gateUrl()}\n  checks: 2`,
      });
      const deployedAt = await deployedInDev("2.0.0");
      const revision = (await w.promotionsOf("app-0", "dev"))[0]?.mergeCommit ?? null;
      await heartbeat(later(deployedAt, 31), revision);
      const outcome = await evaluate(later(deployedAt, 31));
      expect(outcome.opened).toHaveLength(1);
      expect(seen).toEqual(["/check/app-0/dev/2.0.0", "/check/app-0/dev/2.0.0"]);
    });
  });

  it("names the unreadable file when dev runs the release but the catalogue cannot read the app", async () => {
    await w.setPolicies({
      dev: "autoPromote: on-release\nautoMerge: true",
      staging: "autoPromote: after-healthy\nsoak: 30m",
    });
    const deployedAt = await deployedInDev("2.0.0");
    const [devPromotion] = await w.promotionsOf("app-0", "dev");
    // What an import that cannot read app-0 leaves: its stored rows as they were, and the problem.
    const dev = await w.db.environment.findUniqueOrThrow({ where: { name: "dev" } });
    const app = await w.db.application.findUniqueOrThrow({ where: { slug: "app-0" } });
    await w.db.deploymentTarget.update({
      where: { applicationId_environmentId: { applicationId: app.id, environmentId: dev.id } },
      data: { desiredVersion: "1.1.0" },
    });
    await w.db.catalogImport.create({
      data: {
        repository: "gitops",
        ref: "main",
        status: "succeeded",
        trigger: "test",
        finishedAt: new Date(),
        problems: {
          create: {
            applicationSlug: "app-0",
            file: "apps/app-0/app.yaml",
            line: 7,
            column: 1,
            message: "Map keys must be unique",
          },
        },
      },
    });
    await heartbeat(later(deployedAt, 45), devPromotion?.mergeCommit ?? null);
    expect((await evaluate(later(deployedAt, 45))).opened).toEqual([]);
    expect(await step("2.0.0", "staging")).toMatchObject({
      state: "waiting",
      reason:
        "2.0.0 is deployed in dev, but the last import could not read apps/app-0/app.yaml:7:1 (Map keys must be unique); the rules go on once the file is fixed",
    });
  });

  it("skips a held version and leaves one named place for the hold check", async () => {
    await w.setPolicies({ dev: "autoPromote: on-release" });
    await w.register("app-0", "2.0.0");
    const outcome = await evaluate(new Date(), {
      isHeld: async ({ version }) => version === "2.0.0",
    });
    expect(outcome.opened).toEqual([]);
    expect(await step("2.0.0", "dev")).toMatchObject({ state: "waiting" });
    expect((await step("2.0.0", "dev"))?.reason).toContain("held");
    expect(await w.promotionsOf("app-0", "dev")).toEqual([]);
  });

  it("leaves manual environments to people", async () => {
    await w.setPolicies({ dev: "autoMerge: true" });
    await w.register("app-0", "2.0.0");
    expect((await evaluate(new Date())).opened).toEqual([]);
    expect(await w.db.releaseStep.count()).toBe(0);
  });
});
