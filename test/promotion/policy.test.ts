import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GantryError } from "@/lib/errors";
import { DEFAULT_POLICY } from "@/lib/gitops-repo/policy/types";
import type { Person } from "@/lib/identity/principal";
import { readPolicy } from "@/lib/policy/read-policy";
import { mergePromotion } from "@/lib/promotion/merge-promotion";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import { appFiles } from "@/test/catalogue/gitops-fixture";
import { ADA, ALICE, createPromotionWorld, environmentsYaml, type PromotionWorld } from "./support";

async function rejection(promise: Promise<unknown>): Promise<GantryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GantryError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

/** A developer of payments who may break a freeze (not an admin). */
const GLEN: Person = {
  kind: "person",
  id: "user-glen",
  name: "Glen Glass",
  email: "glen@example.com",
  roles: ["developer"],
  teams: ["payments"],
  approverEnvironments: [],
  breakGlass: true,
  gitLogin: null,
};

/** A promotion world with Glen's User row (break-glass permission checks read it). */
async function createPolicyWorld(): Promise<PromotionWorld> {
  const world = await createPromotionWorld({ apps: 6 });
  await world.db.user.create({
    data: {
      id: GLEN.id,
      name: GLEN.name,
      email: GLEN.email,
      roles: [...GLEN.roles],
      teams: [...GLEN.teams],
      breakGlass: true,
    },
  });
  return world;
}

const iso = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

describe("environment policy, from Git to the promotion request", () => {
  let w: PromotionWorld;

  // A world of its own for each test: each block's beforeEach commits the
  // policies its tests need, and the tests count events and promotions.
  beforeEach(async () => {
    w = await createPolicyWorld();
  });
  afterEach(async () => {
    await w?.close();
  });

  async function setPolicies(policies: Parameters<typeof environmentsYaml>[0]): Promise<void> {
    w.repo.commit({ "environments.yaml": environmentsYaml(policies) }, "policies");
    await w.importNow();
  }
  const storedPolicy = async (environment: string) =>
    readPolicy(
      (await w.db.environment.findUniqueOrThrow({ where: { name: environment } })).policy,
      { environment },
    );
  const policyEvents = () =>
    w.db.auditEvent.findMany({
      where: { action: "policy.changed" },
      orderBy: { sequence: "asc" },
      select: { environment: true, targetType: true, detail: true, actorKind: true },
    });

  describe("import", () => {
    it("stores each policy normalised and audits each change with before and after", async () => {
      await setPolicies({
        dev: "approvals: 0\nautoMerge: true",
        prod: `approvals: { count: 2, team: prod-approvers }
order: healthy
freezes:
  - cron: "0 18 * * FRI"
    duration: 62h
    timezone: Europe/Berlin
    reason: Weekend`,
      });
      expect(await storedPolicy("dev")).toEqual({ ...DEFAULT_POLICY, autoMerge: true });
      expect(await storedPolicy("staging")).toEqual(DEFAULT_POLICY);
      expect(await storedPolicy("prod")).toEqual({
        ...DEFAULT_POLICY,
        approvals: { required: 2, team: "prod-approvers" },
        order: { requireDeployedInPrevious: true, requireHealthy: true },
        autoMerge: false,
        progression: { autoPromote: "manual", soakSeconds: 0, gate: null },
        freezes: [
          {
            kind: "recurring",
            cron: "0 18 * * FRI",
            durationMinutes: 3720,
            timezone: "Europe/Berlin",
            reason: "Weekend",
          },
        ],
      });
      const events = await policyEvents();
      expect(events.map((e) => e.environment)).toEqual(["dev", "prod"]);
      expect(events[1]).toMatchObject({
        targetType: "policy",
        actorKind: "system",
        detail: {
          before: DEFAULT_POLICY,
          after: { approvals: { required: 2, team: "prod-approvers" } },
          commit: expect.stringMatching(/^[0-9a-f]{40}$/),
        },
      });

      // The same policies again (another commit, same content): nothing to audit.
      await setPolicies({
        dev: "autoMerge: true\napprovals: 0",
        prod: `approvals: { count: 2, team: prod-approvers }
order: healthy
freezes:
  - cron: "0 18 * * FRI"
    duration: 62h
    timezone: Europe/Berlin
    reason: Weekend`,
      });
      expect(await policyEvents()).toHaveLength(2);

      // One environment changes: one event, naming what it was.
      await setPolicies({ dev: "approvals: 0\nautoMerge: true", prod: "approvals: 1" });
      const after = await policyEvents();
      expect(after).toHaveLength(3);
      expect(after[2]).toMatchObject({
        environment: "prod",
        detail: {
          before: { approvals: { required: 2, team: "prod-approvers" } },
          after: { ...DEFAULT_POLICY, approvals: { required: 1, team: null } },
        },
      });
    });

    it("refuses a bad policy with a located error and leaves the catalogue as it was", async () => {
      const before = await storedPolicy("prod");
      const eventsBefore = (await policyEvents()).length;
      w.repo.commit(
        {
          "environments.yaml": environmentsYaml({
            prod: `approvals: 3
freezes:
  - cron: "0 18 * * FRI"
    duration: 62h
    timezone: Europe/Atlantis
    reason: Weekend`,
          }),
        },
        "a broken policy",
      );
      const error = await rejection(w.importNow());
      expect(error.code).toBe("unprocessable");
      expect(error.message).toBe(
        "environments.yaml:20:21: environments[2].policy.freezes[0].timezone: must be an IANA time zone such as Europe/Berlin, America/New_York or UTC",
      );
      expect(await storedPolicy("prod")).toEqual(before);
      expect(await policyEvents()).toHaveLength(eventsBefore);
      const failed = await w.db.catalogImport.findFirstOrThrow({ orderBy: { startedAt: "desc" } });
      expect(failed.status).toBe("failed");
    });
  });

  describe("freeze", () => {
    const second = Math.floor(Date.now() / 1000) * 1000;
    const frozenFrom = new Date(second - 3_600_000);
    const frozenTo = new Date(second + 2 * 24 * 3_600_000);
    beforeEach(async () => {
      await setPolicies({
        prod: `approvals: 2
freezes:
  - from: ${iso(frozenFrom)}
    to: ${iso(frozenTo)}
    reason: Test freeze`,
      });
    });
    const request = (principal: Person, app: string, breakGlassReason?: string) =>
      requestPromotion({
        ctx: w.ctx,
        principal,
        application: app,
        environment: "prod",
        reason: "Verified in staging",
        breakGlassReason,
      });

    it("refuses a promotion into a frozen environment, saying until when and why", async () => {
      const error = await rejection(request(ALICE, "app-0"));
      expect(error.code).toBe("conflict");
      expect(error.message).toMatch(/^prod is frozen until .+ UTC \(Test freeze\)$/);
      expect(error.details).toMatchObject({ rule: "freeze", frozenUntil: frozenTo.toISOString() });
      expect(await w.db.promotion.count({ where: { application: { slug: "app-0" } } })).toBe(0);
    });

    it("refuses break-glass to a person without the permission, even with a reason", async () => {
      const error = await rejection(request(ALICE, "app-0", "Customer outage, hotfix needed now"));
      expect(error.code).toBe("forbidden");
      expect(error.message).toMatch(
        /^prod is frozen until .+; only people with break-glass may promote during a freeze$/,
      );
      expect(await w.db.promotion.count({ where: { application: { slug: "app-0" } } })).toBe(0);
    });

    it("asks a break-glass person for a reason of 10 to 500 characters", async () => {
      const none = await rejection(request(GLEN, "app-0"));
      expect(none.message).toMatch(/you may break the freeze by giving a reason$/);
      const short = await rejection(request(GLEN, "app-0", "hotfix!!"));
      expect(short).toMatchObject({ code: "bad_request", details: { field: "breakGlassReason" } });
      const long = await rejection(request(GLEN, "app-0", "x".repeat(501)));
      expect(long.code).toBe("bad_request");
    });

    it("lets a break-glass person through with a reason, kept on the promotion, in the PR and the audit", async () => {
      const reason = "Customer outage INC-4711: the fix cannot wait for the freeze to end";
      const { promotion } = await request(GLEN, "app-0", `  ${reason}  `);
      expect(promotion.breakGlassReason).toBe(reason);
      const row = await w.db.promotion.findUniqueOrThrow({ where: { id: promotion.id } });
      expect(row.breakGlassReason).toBe(reason);
      const events = await w.db.auditEvent.findMany({
        where: { promotionId: promotion.id },
        orderBy: { sequence: "asc" },
        select: { action: true, actorName: true, environment: true, detail: true },
      });
      expect(events.map((e) => e.action)).toEqual(["promotion.planned", "promotion.break_glass"]);
      expect(events[1]).toMatchObject({
        actorName: "Glen Glass",
        environment: "prod",
        detail: { reason, freeze: "Test freeze", frozenUntil: frozenTo.toISOString() },
      });

      const opened = await openPromotionPullRequest({ ctx: w.ctx, promotionId: promotion.id });
      const pr = await w.provider.getPullRequest(opened.prNumber ?? 0);
      expect(pr.body).toContain(
        `**Break-glass:** prod was frozen; promoted anyway because: ${reason}`,
      );
    });

    it("does not hold back other environments, nor keep a break-glass reason when nothing is frozen", async () => {
      const { promotion } = await requestPromotion({
        ctx: w.ctx,
        principal: GLEN,
        application: "app-5",
        environment: "staging",
        version: "1.2.0",
        allowNewVersion: true,
        skipOrder: true,
        reason: "New build",
        breakGlassReason: "Nothing is frozen here at all",
      });
      const row = await w.db.promotion.findUniqueOrThrow({ where: { id: promotion.id } });
      expect(row.breakGlassReason).toBeNull();
      expect(
        await w.db.auditEvent.count({
          where: { promotionId: promotion.id, action: "promotion.break_glass" },
        }),
      ).toBe(0);
    });
  });

  describe("order", () => {
    beforeEach(async () => {
      await setPolicies({ staging: "order: deployed", prod: "order: healthy" });
    });
    const now = new Date();

    async function report(app: string, cluster: string, health: "Healthy" | "Degraded") {
      const [application, row] = await Promise.all([
        w.db.application.findUniqueOrThrow({ where: { slug: app } }),
        w.db.cluster.findUniqueOrThrow({ where: { name: cluster } }),
      ]);
      await w.db.cluster.update({ where: { id: row.id }, data: { lastSeenAt: new Date() } });
      const key = {
        applicationId: application.id,
        clusterId: row.id,
        environmentId: row.environmentId,
        sourceKind: "argocd-application",
        namespace: app,
        name: app,
      };
      await w.db.syncStatus.deleteMany({ where: key });
      await w.db.syncStatus.create({
        data: {
          ...key,
          syncState: "Synced",
          health,
          observedAt: now,
          receivedAt: now,
          changedAt: now,
        },
      });
    }

    const toProd = (principal: Person, app: string, extra: Record<string, unknown> = {}) =>
      requestPromotion({
        ctx: w.ctx,
        principal,
        application: app,
        environment: "prod",
        reason: "Verified in staging",
        ...extra,
      });

    it("refuses a version that is not healthy in the previous environment, and names the cluster", async () => {
      const silent = await rejection(toProd(ALICE, "app-1"));
      expect(silent).toMatchObject({ code: "conflict", details: { rule: "order" } });
      expect(silent.message).toBe(
        "1.1.0 is not healthy in staging yet: staging-eu-1 has not reported recently",
      );
      await report("app-1", "staging-eu-1", "Degraded");
      expect((await rejection(toProd(ALICE, "app-1"))).message).toBe(
        "1.1.0 is not healthy in staging yet: staging-eu-1 reports Synced/Degraded",
      );
    });

    it("accepts it once every cluster there reports it synced and healthy", async () => {
      await report("app-1", "staging-eu-1", "Healthy");
      const { promotion } = await toProd(ALICE, "app-1");
      expect(promotion).toMatchObject({ version: "1.1.0", state: "planned" });
    });

    it("keeps skipOrder to admins where the policy has an order rule", async () => {
      const error = await rejection(
        toProd(ALICE, "app-2", { version: "0.9.0", allowNewVersion: true, skipOrder: true }),
      );
      expect(error.code).toBe("forbidden");
      expect(error.message).toBe(
        "prod's policy keeps the delivery order: only an admin may do this (skipOrder)",
      );
      // Where the policy has no order rule, skipOrder stays what it was for developers.
      w.repo.commit(appFiles("app-4", "payments", { dev: "2.0.0", staging: "1.1.0" }), "dev 2.0.0");
      await w.importNow();
      await setPolicies({ staging: "", prod: "order: healthy" });
      const dev = await requestPromotion({
        ctx: w.ctx,
        principal: ALICE,
        application: "app-4",
        environment: "staging",
        version: "1.0.0",
        allowNewVersion: true,
        skipOrder: true,
        reason: "Back to the last good one",
      });
      expect(dev.promotion.version).toBe("1.0.0");
    });

    it("holds an admin's skipOrder to the policy: the version must have been deployed there", async () => {
      const refused = await rejection(
        toProd(ADA, "app-2", { version: "0.9.0", allowNewVersion: true, skipOrder: true }),
      );
      expect(refused.message).toBe("0.9.0 is not deployed in staging yet");

      // A promotion of 0.9.0 into staging that reached deployed earlier satisfies the rule.
      const [application, staging] = await Promise.all([
        w.db.application.findUniqueOrThrow({ where: { slug: "app-2" } }),
        w.db.environment.findUniqueOrThrow({ where: { name: "staging" } }),
      ]);
      await w.db.promotion.create({
        data: {
          applicationId: application.id,
          toEnvironmentId: staging.id,
          fromEnvironment: "dev",
          version: "0.9.0",
          previousVersion: "0.8.0",
          reason: "earlier",
          requestedByName: ALICE.name,
          requestedByEmail: ALICE.email,
          planDiff: "",
          valuesPath: "apps/app-2/envs/staging/values.yaml",
          baseCommit: "0".repeat(40),
          branch: "gantry/promote/app-2/staging/0.9.0",
          state: "deployed",
          deployedAt: new Date(),
        },
      });
      const { promotion } = await toProd(ADA, "app-2", {
        version: "0.9.0",
        allowNewVersion: true,
        skipOrder: true,
      });
      expect(promotion.version).toBe("0.9.0");
    });
  });
});

describe("a freeze holds back merges too", () => {
  let w: PromotionWorld;
  // A world of its own for each test: a merge moves main past the fixture's
  // clone, which the other test commits its freeze from.
  beforeEach(async () => {
    w = await createPolicyWorld();
  });
  afterEach(async () => {
    await w?.close();
  });

  async function freezeStaging(): Promise<void> {
    const second = Math.floor(Date.now() / 1000) * 1000;
    const from = iso(new Date(second - 3_600_000));
    const to = iso(new Date(second + 2 * 24 * 3_600_000));
    w.repo.commit(
      {
        "environments.yaml": environmentsYaml({
          staging: `freezes:\n  - from: ${from}\n    to: ${to}\n    reason: Test freeze`,
        }),
      },
      "freeze staging",
    );
    await w.importNow();
  }

  async function openToStaging(principal: Person, app: string, breakGlassReason?: string) {
    const { promotion } = await requestPromotion({
      ctx: w.ctx,
      principal,
      application: app,
      environment: "staging",
      version: "9.9.0",
      allowNewVersion: true,
      skipOrder: true,
      reason: "New build",
      breakGlassReason,
    });
    await openPromotionPullRequest({ ctx: w.ctx, promotionId: promotion.id });
    return promotion.id;
  }

  it("refuses to merge a promotion opened before the freeze began, saying until when", async () => {
    const promotionId = await openToStaging(ALICE, "app-1");
    await freezeStaging();
    const error = await rejection(mergePromotion({ ctx: w.ctx, promotionId, principal: ALICE }));
    expect(error.code).toBe("conflict");
    expect(error.message).toMatch(
      /^staging is frozen until .+ UTC \(Test freeze\); merge after the freeze, or promote again with break-glass and a reason$/,
    );
    const row = await w.db.promotion.findUniqueOrThrow({ where: { id: promotionId } });
    expect(row.state).toBe("pr_open");
  });

  it("merges a promotion that broke the freeze with a reason", async () => {
    const promotionId = await openToStaging(GLEN, "app-2", "Customer outage: the fix cannot wait");
    const merged = await mergePromotion({ ctx: w.ctx, promotionId, principal: GLEN });
    expect(merged.promotion.state).toBe("merged");
  });
});
