import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEventHash, GENESIS_HASH } from "@/lib/audit/canonical";
import { recordAuditEvent, recordAuditEventAlone } from "@/lib/audit/record-audit-event";
import { OPERATOR, verifyAuditChain } from "@/lib/audit/verify-chain";
import { databaseStatementsSent } from "@/lib/db";
import type { Actor } from "@/lib/identity/actor";
import { createTestDatabase, type TestDatabase } from "@/test/support/db";

const ZOE: Actor = { kind: "person", id: "user-zoe", name: 'Zoë "Z" Ångström', email: "z@x.io" };

/**
 * The chain is appended in one statement (gantry_append_audit_event): Postgres
 * fills in the previous hash and the sequence and hashes the canonical text
 * Node built. What it stores must be exactly what Node's auditEventHash gives
 * for the same event, and appends racing from many connections must still
 * form one unbroken chain.
 */
describe("one-statement audit appends", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("stores the hash Node computes for the same event, linked to the one before, in one statement", async () => {
    const { db } = database;
    const at = new Date("2026-12-03T22:30:00.123Z");
    const detail = {
      zeta: [1, 2.5, -0.000001, { b: null, a: "x" }],
      alpha: '控制\u0001字符 🚀 \u2028 \\ "quoted"',
      nested: { sequence: "not the chain's", previousHash: "nor this" },
    };
    const first = await recordAuditEventAlone(db, {
      actor: ZOE,
      action: "promotion.planned",
      target: { type: "promotion", application: "payments-api", environment: "prod" },
      detail,
      at,
      requestId: "req-1",
      sourceAddress: "203.0.113.9",
    });
    const before = databaseStatementsSent();
    const second = await recordAuditEventAlone(db, {
      actor: ZOE,
      action: "promotion.pr_open",
      target: { type: "promotion", application: "payments-api" },
      detail: { n: 2 },
      at,
      requestId: null,
      sourceAddress: null,
    });
    expect(databaseStatementsSent() - before).toBe(1);
    expect(second.sequence).toBe(first.sequence + 1n);

    const expected = (sequence: bigint, previousHash: string, fields: object) =>
      auditEventHash({
        sequence,
        previousHash,
        at,
        actorKind: "person",
        actorId: "user-zoe",
        actorName: ZOE.name,
        targetType: "promotion",
        targetId: null,
        team: null,
        environment: null,
        promotionId: null,
        cluster: null,
        outcome: "success",
        requestId: null,
        sourceAddress: null,
        action: "",
        application: null,
        detail: {},
        ...fields,
      });
    expect(first.hash).toBe(
      expected(1n, GENESIS_HASH, {
        action: "promotion.planned",
        application: "payments-api",
        environment: "prod",
        requestId: "req-1",
        sourceAddress: "203.0.113.9",
        detail,
      }),
    );
    expect(second.hash).toBe(
      expected(2n, first.hash, {
        action: "promotion.pr_open",
        application: "payments-api",
        detail: { n: 2 },
      }),
    );
    const stored = await db.auditEvent.findMany({ orderBy: { sequence: "asc" } });
    expect(stored.map((e) => [e.sequence, e.previousHash, e.hash, e.at.toISOString()])).toEqual([
      [1n, GENESIS_HASH, first.hash, at.toISOString()],
      [2n, first.hash, second.hash, at.toISOString()],
    ]);
  });

  it("keeps one chain when many connections append at once, alone and inside transactions", async () => {
    const { db } = database;
    const writers = Array.from({ length: 24 }, (_, i) => {
      const input = {
        actor: ZOE,
        action: "application.noted",
        target: { type: "application" as const, application: `app-${i}` },
        detail: { writer: i },
      };
      return i % 2 === 0
        ? recordAuditEventAlone(db, input)
        : db.$transaction(async (tx) => {
            // Something else first, as a change's transaction does before its event.
            await tx.$executeRaw`SELECT pg_sleep(0.005)`;
            return recordAuditEvent(tx, input);
          });
    });
    const appended = await Promise.all(writers);
    const sequences = appended.map((e) => e.sequence).sort((a, b) => (a < b ? -1 : 1));
    const highest = sequences.at(-1) ?? 0n;
    expect(sequences).toEqual(Array.from({ length: 24 }, (_, i) => highest - 23n + BigInt(i)));
    const result = await verifyAuditChain({ db, principal: OPERATOR });
    expect(result).toMatchObject({ ok: true, brokenLinks: 0, lastSequence: highest.toString() });
  });

  it("sends the notification it is given in the same statement, on commit only", async () => {
    const { db } = database;
    const notify = { channel: "gantry_audit_test", payload: '{"kind":"test"}' };
    const event = {
      actor: ZOE,
      action: "application.noted",
      target: { type: "application" as const },
    };
    const before = await db.auditEvent.count();
    const listener = await listen(database.url, notify.channel);
    try {
      const rolledBack = db.$transaction(async (tx) => {
        await recordAuditEvent(tx, event, { notify: { ...notify, payload: "rolled back" } });
        throw new Error("undo");
      });
      await expect(rolledBack).rejects.toThrow("undo");
      const statements = databaseStatementsSent();
      await db.$transaction((tx) => recordAuditEvent(tx, event, { notify }));
      // BEGIN, the append with its notification, COMMIT.
      expect(databaseStatementsSent() - statements).toBe(3);
      expect(await listener.next()).toBe(notify.payload);
      expect(listener.received()).toEqual([notify.payload]);
    } finally {
      await listener.close();
    }
    expect(await db.auditEvent.count()).toBe(before + 1);
  });
});

/** A LISTEN on `channel` from a connection of its own. */
async function listen(url: string, channel: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const payloads: string[] = [];
  let wake: (() => void) | undefined;
  client.on("notification", (message) => {
    if (message.channel === channel) payloads.push(message.payload ?? "");
    wake?.();
  });
  await client.query(`LISTEN ${client.escapeIdentifier(channel)}`);
  return {
    received: () => [...payloads],
    async next(): Promise<string | undefined> {
      if (payloads.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return payloads[0];
    },
    close: () => client.end(),
  };
}
