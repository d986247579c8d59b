import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isGantryError } from "@/lib/errors";
import { authenticateCluster } from "@/lib/sync/authenticate-cluster";
import {
  registerCluster,
  revokeClusterAgentToken,
  rotateClusterAgentToken,
} from "@/lib/sync/cluster-registration";
import { ADA, createPromotionWorld, type PromotionWorld, VICKY } from "@/test/promotion/support";

/**
 * Registering clusters from /clusters, through the domain functions the
 * server actions call: admins only, tokens that authenticate reports,
 * clusters that outlive a re-import of the GitOps repository.
 */
describe("cluster registration by an admin", () => {
  let w: PromotionWorld;

  beforeAll(async () => {
    w = await createPromotionWorld({ apps: 1 });
  });
  afterAll(async () => {
    await w?.close();
  });

  const authenticates = (cluster: string, token: string) =>
    authenticateCluster({
      db: w.db,
      cluster,
      request: new Request("https://gantry.example.com/", {
        headers: { authorization: `Bearer ${token}` },
      }),
    });

  async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
    try {
      await promise;
    } catch (error) {
      if (isGantryError(error)) return { code: error.code, message: error.message };
      throw error;
    }
    throw new Error("expected a refusal");
  }

  it("registers a new cluster for an environment; its token authenticates its reports", async () => {
    const issued = await registerCluster({
      db: w.db,
      principal: ADA,
      name: "prod-ap-1",
      environment: "prod",
    });
    expect(issued).toMatchObject({ cluster: "prod-ap-1", created: true });
    expect(issued.token).toMatch(/^gantry_cluster_/);
    const row = await w.db.cluster.findUniqueOrThrow({
      where: { name: "prod-ap-1" },
      select: { registeredInPortal: true, environment: { select: { name: true } } },
    });
    expect(row).toEqual({ registeredInPortal: true, environment: { name: "prod" } });
    expect(await authenticates("prod-ap-1", issued.token)).toMatchObject({
      name: "prod-ap-1",
      environment: "prod",
    });
    const audit = await w.db.auditEvent.findFirst({
      where: { action: "cluster.token_registered" },
      orderBy: { at: "desc" },
    });
    expect(audit?.actorName).toBe(ADA.name);
    expect(
      JSON.stringify(audit, (_key, value) => (typeof value === "bigint" ? String(value) : value)),
    ).not.toContain(issued.token);

    // A re-import of the repository (which does not list it) leaves it active.
    await w.importNow();
    const after = await w.db.cluster.findUniqueOrThrow({ where: { name: "prod-ap-1" } });
    expect(after.archivedAt).toBeNull();
  });

  it("issues the token of a cluster from environments.yaml that has none", async () => {
    const issued = await registerCluster({
      db: w.db,
      principal: ADA,
      name: "prod-us-1",
      environment: "prod",
    });
    expect(issued.created).toBe(false);
    expect(await authenticates("prod-us-1", issued.token)).toMatchObject({ name: "prod-us-1" });
  });

  it("refuses non-admins, unknown environments, bad names and clashes, naming the field", async () => {
    // The cluster the clashes are about is this test's own, not another test's.
    await registerCluster({ db: w.db, principal: ADA, name: "prod-eu-7", environment: "prod" });
    expect(
      await refusal(
        registerCluster({ db: w.db, principal: VICKY, name: "x-1", environment: "prod" }),
      ),
    ).toMatchObject({ code: "forbidden" });
    expect(
      await refusal(
        registerCluster({ db: w.db, principal: null, name: "x-1", environment: "prod" }),
      ),
    ).toMatchObject({ code: "unauthenticated" });
    expect(
      await refusal(
        registerCluster({ db: w.db, principal: ADA, name: "x-1", environment: "moon" }),
      ),
    ).toEqual({
      code: "bad_request",
      message: "environment: no environment named moon in the catalogue",
    });
    expect(
      (
        await refusal(
          registerCluster({ db: w.db, principal: ADA, name: "Bad Name", environment: "prod" }),
        )
      ).message,
    ).toMatch(/^name: /);
    expect(
      await refusal(
        registerCluster({ db: w.db, principal: ADA, name: "prod-eu-7", environment: "dev" }),
      ),
    ).toMatchObject({ code: "conflict", message: expect.stringContaining("environment prod") });
    expect(
      await refusal(
        registerCluster({ db: w.db, principal: ADA, name: "prod-eu-7", environment: "prod" }),
      ),
    ).toMatchObject({ code: "conflict", message: expect.stringContaining("rotate or revoke") });
    expect(await w.db.cluster.count({ where: { name: "x-1" } })).toBe(0);
  });

  it("rotates (the old token stops working) and revokes, admins only", async () => {
    const first = await registerCluster({
      db: w.db,
      principal: ADA,
      name: "staging-ap-1",
      environment: "staging",
    });
    expect(
      await refusal(
        rotateClusterAgentToken({ db: w.db, principal: VICKY, cluster: "staging-ap-1" }),
      ),
    ).toMatchObject({ code: "forbidden" });
    const second = await rotateClusterAgentToken({
      db: w.db,
      principal: ADA,
      cluster: "staging-ap-1",
    });
    expect(await refusal(authenticates("staging-ap-1", first.token))).toMatchObject({
      code: "unauthenticated",
    });
    expect(await authenticates("staging-ap-1", second.token)).toMatchObject({
      name: "staging-ap-1",
    });
    expect(
      await refusal(
        revokeClusterAgentToken({ db: w.db, principal: VICKY, cluster: "staging-ap-1" }),
      ),
    ).toMatchObject({ code: "forbidden" });
    expect(
      await revokeClusterAgentToken({ db: w.db, principal: ADA, cluster: "staging-ap-1" }),
    ).toEqual({ revoked: true });
    expect(await refusal(authenticates("staging-ap-1", second.token))).toMatchObject({
      code: "unauthenticated",
    });
  });
});
