import fs from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listPromotionEvents } from "@/lib/audit/list-promotion-events";
import { recordPromotionTransition } from "@/lib/audit/record-promotion-transition";
import { OPERATOR, verifyAuditChain } from "@/lib/audit/verify-chain";
import { GANTRY_ACTOR } from "@/lib/identity/actor";
import { prismaPaths } from "@/lib/postgres/migration-files";
import { createTestDatabase, type TestDatabase } from "@/test/support/db";

const MIGRATION = "20261203080000_promotion_history_in_audit";
const ALICE = { kind: "person" as const, id: null, name: "Alice", email: "alice@example.com" };

/**
 * The migration that folds PromotionEvent into the audit chain, run on a
 * database that still has the table: the history that had no audit event
 * (from before the chain, or a syncing note) is appended with hashes the
 * chain's verifier accepts, and what had one is not written twice.
 */
describe("folding PromotionEvent into the audit chain", () => {
  let w: TestDatabase;
  let client: pg.Client;
  beforeAll(async () => {
    w = await createTestDatabase();
    client = new pg.Client({ connectionString: w.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await w.drop();
  });

  it("keeps every event, once, in a chain that verifies", async () => {
    const team = await w.db.team.create({ data: { slug: "payments", name: "Payments" } });
    const app = await w.db.application.create({
      data: { slug: "checkout", name: "Checkout", teamId: team.id, chart: "c", lastCommit: "x" },
    });
    const env = await w.db.environment.create({
      data: { name: "prod", displayName: "Production", position: 1 },
    });
    const promotion = await w.db.promotion.create({
      data: {
        applicationId: app.id,
        toEnvironmentId: env.id,
        version: "1.1.0",
        previousVersion: "1.0.0",
        reason: "test",
        requestedByName: ALICE.name,
        requestedByEmail: ALICE.email,
        planDiff: "",
        valuesPath: "apps/checkout/envs/prod/values.yaml",
        baseCommit: "a".repeat(40),
        branch: "gantry/promote/checkout/prod/1.1.0",
        state: "syncing",
      },
    });
    // The request was recorded in both places; nothing after it was audited.
    await w.db.$transaction((tx) =>
      recordPromotionTransition(tx, {
        promotionId: promotion.id,
        from: null,
        to: "planned",
        actor: ALICE,
        detail: "test",
      }),
    );
    // The table as the promotions migration made it.
    await client.query(`
      CREATE TABLE "PromotionEvent" (
        "id" UUID NOT NULL DEFAULT gen_random_uuid(),
        "promotionId" UUID NOT NULL,
        "fromState" "PromotionState",
        "toState" "PromotionState" NOT NULL,
        "actorName" TEXT NOT NULL,
        "actorEmail" TEXT NOT NULL,
        "detail" TEXT,
        "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
        CONSTRAINT "PromotionEvent_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "PromotionEvent_promotionId_fkey" FOREIGN KEY ("promotionId")
          REFERENCES "Promotion"("id") ON DELETE CASCADE ON UPDATE CASCADE
      )`);
    const awkward = 'opened "#12" \\ on\nbranch\t\u0001 — déjà vu ✓';
    const rows: [string | null, string, string, string, string | null, string][] = [
      [
        null,
        "planned",
        ALICE.name,
        ALICE.email,
        "checkout 1.0.0 → 1.1.0",
        "2026-01-01T10:00:00.000Z",
      ],
      ["planned", "pr_open", "Gantry", GANTRY_ACTOR.email, awkward, "2026-01-01T10:00:01.123Z"],
      ["pr_open", "merged", "Bob", "bob@example.com", null, "2026-01-01T11:00:00.000Z"],
      ["merged", "syncing", "Gantry", GANTRY_ACTOR.email, "waiting", "2026-01-01T11:00:05.000Z"],
      ["syncing", "syncing", "Gantry", GANTRY_ACTOR.email, "Degraded", "2026-01-01T11:00:09.999Z"],
    ];
    for (const [from, to, name, email, detail, at] of rows) {
      await client.query(
        `INSERT INTO "PromotionEvent" ("promotionId", "fromState", "toState", "actorName", "actorEmail", detail, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz AT TIME ZONE 'UTC')`,
        [promotion.id, from, to, name, email, detail, at],
      );
    }

    const sql = await fs.readFile(
      path.join(prismaPaths.migrations, MIGRATION, "migration.sql"),
      "utf8",
    );
    await client.query(sql);

    const table = await client.query(`SELECT to_regclass('"PromotionEvent"') AS name`);
    expect(table.rows[0]?.name).toBeNull();
    const verified = await verifyAuditChain({ db: w.db, principal: OPERATOR });
    expect(verified).toMatchObject({ ok: true, checked: 5, brokenLinks: 0 });

    const events = await listPromotionEvents({ db: w.db, promotionId: promotion.id });
    expect(events.map((e) => [e.fromState, e.toState, e.actor.name, e.detail, e.at])).toEqual([
      [null, "planned", "Alice", "test", expect.any(String)],
      ["planned", "pr_open", "Gantry", awkward, "2026-01-01T10:00:01.123Z"],
      ["pr_open", "merged", "Bob", null, "2026-01-01T11:00:00.000Z"],
      ["merged", "syncing", "Gantry", "waiting", "2026-01-01T11:00:05.000Z"],
      ["syncing", "syncing", "Gantry", "Degraded", "2026-01-01T11:00:09.999Z"],
    ]);
    const migrated = await w.db.auditEvent.findMany({
      where: { promotionId: promotion.id, sequence: { gt: 1n } },
      orderBy: { sequence: "asc" },
    });
    expect(migrated.map((e) => [e.action, e.actorKind, e.application, e.team])).toEqual([
      ["promotion.pr_open", "system", "checkout", "payments"],
      ["promotion.merged", "person", "checkout", "payments"],
      ["promotion.syncing", "system", "checkout", "payments"],
      ["promotion.noted", "system", "checkout", "payments"],
    ]);
    expect(migrated[1]?.detail).toMatchObject({ actorEmail: "bob@example.com" });
  });
});
