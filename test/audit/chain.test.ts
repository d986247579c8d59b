import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditEventHash } from "@/lib/audit/canonical";
import { recordAuditEventAlone } from "@/lib/audit/record-audit-event";
import { OPERATOR, type VerifyProgress, verifyAuditChain } from "@/lib/audit/verify-chain";
import type { Actor } from "@/lib/identity/actor";
import type { Person } from "@/lib/identity/principal";
import { createTestDatabase, type TestDatabase } from "@/test/support/db";

const root = path.resolve(import.meta.dirname, "..", "..");
const ALICE: Actor = { kind: "person", id: null, name: "Alice", email: "alice@example.com" };
const ADMIN: Person = {
  kind: "person",
  id: "00000000-0000-4000-8000-000000000001",
  name: "Ada Admin",
  email: "ada@example.com",
  roles: ["admin"],
  teams: [],
  approverEnvironments: [],
  breakGlass: false,
  gitLogin: null,
};
const VIEWER: Person = { ...ADMIN, name: "Vic Viewer", roles: ["viewer"] };

/** A database of its own holding `count` chained events. */
async function chainOf(count: number): Promise<TestDatabase> {
  const database = await createTestDatabase();
  for (let i = 0; i < count; i++) {
    await recordAuditEventAlone(database.db, {
      actor: ALICE,
      action: i % 2 === 0 ? "promotion.planned" : "promotion.pr_open",
      target: { type: "promotion", application: `app-${i % 3}`, environment: "dev" },
      detail: { index: i, note: `événement ${i}`, nested: { b: 2, a: [1, "x", null] } },
      requestId: `req-${i}`,
    });
  }
  return database;
}

/** Runs SQL as the database owner (a superuser in the test server), triggers off. */
async function asSuperuser(url: string, sql: string, values: unknown[] = []): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SET session_replication_role = replica");
    await client.query(sql, values);
  } finally {
    await client.end();
  }
}

function runCli(
  args: string[],
  databaseUrl: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      path.join(root, "node_modules", ".bin", "tsx"),
      ["cli/gantry.ts", ...args],
      {
        cwd: root,
        env: { ...process.env, DATABASE_URL: databaseUrl, GANTRY_LOG_LEVEL: "error" },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("audit chain verification", () => {
  const databases: TestDatabase[] = [];
  const chain = async (count: number) => {
    const database = await chainOf(count);
    databases.push(database);
    return database;
  };
  afterAll(async () => {
    await Promise.all(databases.map((database) => database.drop()));
  });

  it("walks an intact chain in batches, reporting progress, and finds nothing broken", async () => {
    const { db } = await chain(7);
    const progress: VerifyProgress[] = [];
    const result = await verifyAuditChain({
      db,
      principal: ADMIN,
      batchSize: 3,
      onProgress: (step) => progress.push(step),
    });
    expect(result).toMatchObject({ ok: true, checked: 7, lastSequence: "7", brokenLinks: 0 });
    expect(result.firstBroken).toBeNull();
    expect(progress.map((step) => [step.checked, step.lastSequence])).toEqual([
      [3, 3n],
      [6, 6n],
      [7, 7n],
    ]);
    expect(progress.every((step) => step.total === 7n)).toBe(true);
  });

  it("refuses people who may not verify", async () => {
    const { db } = await chain(1);
    await expect(verifyAuditChain({ db, principal: VIEWER })).rejects.toThrow(/only an admin/);
    await expect(verifyAuditChain({ db, principal: null })).rejects.toThrow(/sign in/);
  });

  it("names the event a superuser edited behind the trigger's back, and the CLI exits 1", async () => {
    const { db, url } = await chain(6);
    await asSuperuser(
      url,
      `UPDATE "AuditEvent" SET "actorName" = 'Mallory', detail = '{"index": 3}' WHERE sequence = 4`,
    );
    const result = await verifyAuditChain({ db, principal: OPERATOR, batchSize: 2 });
    expect(result.ok).toBe(false);
    expect(result.brokenLinks).toBe(1);
    const event = await db.auditEvent.findUniqueOrThrow({ where: { sequence: 4n } });
    expect(result.firstBroken).toMatchObject({
      sequence: "4",
      id: event.id,
      problem: "hash_mismatch",
    });
    expect(result.firstBroken?.message).toMatch(/event 4 was altered/);

    const cli = await runCli(["audit", "verify"], url);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(
      `audit chain BROKEN at sequence 4 (event ${event.id}): hash_mismatch`,
    );
    expect(cli.stderr).toMatch(/checked 6 events/);
  });

  it("the CLI exits 0 on an intact chain", async () => {
    const { url } = await chain(3);
    const cli = await runCli(["audit", "verify"], url);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain("audit chain intact: 3 events, up to sequence 3");
  });

  it("finds a deleted event as a gap in the sequence", async () => {
    const { db, url } = await chain(5);
    await asSuperuser(url, `DELETE FROM "AuditEvent" WHERE sequence = 3`);
    const result = await verifyAuditChain({ db, principal: OPERATOR });
    expect(result.ok).toBe(false);
    expect(result.checked).toBe(4);
    expect(result.firstBroken).toMatchObject({ sequence: "4", problem: "sequence_gap" });
    expect(result.firstBroken?.message).toMatch(/event 3 is missing/);
  });

  it("finds a forged event that was given a valid hash: the next event no longer links to it", async () => {
    const { db, url } = await chain(5);
    const original = await db.auditEvent.findUniqueOrThrow({ where: { sequence: 3n } });
    const { hash: _hash, id: _id, ...fields } = original;
    const forged = {
      ...fields,
      actorName: "Mallory",
      detail: { index: 2, note: "nothing to see" },
    };
    const forgedHash = auditEventHash(forged);
    await asSuperuser(url, `DELETE FROM "AuditEvent" WHERE sequence = 3`);
    await asSuperuser(
      url,
      `INSERT INTO "AuditEvent" (sequence, at, "actorKind", "actorId", "actorName", action,
         "targetType", "targetId", application, team, environment, "promotionId", cluster,
         outcome, "requestId", "sourceAddress", detail, "previousHash", hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`,
      [
        forged.sequence.toString(),
        forged.at,
        forged.actorKind,
        forged.actorId,
        forged.actorName,
        forged.action,
        forged.targetType,
        forged.targetId,
        forged.application,
        forged.team,
        forged.environment,
        forged.promotionId,
        forged.cluster,
        forged.outcome,
        forged.requestId,
        forged.sourceAddress,
        JSON.stringify(forged.detail),
        forged.previousHash,
        forgedHash,
      ],
    );
    const result = await verifyAuditChain({ db, principal: OPERATOR });
    // The forgery is self-consistent and links to event 2; event 4 still
    // links to the original event 3, so the break shows there.
    expect(result.ok).toBe(false);
    expect(result.brokenLinks).toBe(1);
    expect(result.firstBroken).toMatchObject({ sequence: "4", problem: "previous_hash_mismatch" });
    expect(result.firstBroken?.message).toMatch(/event 4 does not link to the event before it/);
  });

  it("finds a forged event appended with a made-up hash", async () => {
    const { db, url } = await chain(3);
    await asSuperuser(
      url,
      `INSERT INTO "AuditEvent" (sequence, at, "actorKind", "actorName", action, "targetType",
         outcome, detail, "previousHash", hash)
       VALUES (4, now(), 'system', 'Gantry', 'promotion.deployed', 'promotion', 'success', '{}', $1, $2)`,
      ["f".repeat(64), "e".repeat(64)],
    );
    const result = await verifyAuditChain({ db, principal: OPERATOR });
    expect(result.firstBroken).toMatchObject({ sequence: "4", problem: "previous_hash_mismatch" });
    expect(result.brokenLinks).toBe(2); // the link and the hash
  });
});

describe("the append-only trigger", () => {
  let database: TestDatabase;
  let appUrl: string;
  const role = `gantry_app_${randomBytes(4).toString("hex")}`;
  const password = randomBytes(12).toString("hex");

  beforeAll(async () => {
    database = await chainOf(2);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}' NOSUPERUSER`);
      const dbName = new URL(database.url).pathname.slice(1);
      await admin.query(`GRANT CONNECT ON DATABASE "${dbName}" TO ${role}`);
      await admin.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
      await admin.query(
        `GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON "AuditEvent" TO ${role}`,
      );
    } finally {
      await admin.end();
    }
    const url = new URL(database.url);
    url.username = role;
    url.password = password;
    appUrl = url.toString();
  });

  afterAll(async () => {
    await database.drop();
    const admin = new pg.Client({
      connectionString: database.url.replace(/\/[^/?]+(\?|$)/, "/postgres$1"),
    });
    await admin.connect();
    try {
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
    } finally {
      await admin.end();
    }
  });

  async function asApp(sql: string): Promise<unknown> {
    const client = new pg.Client({ connectionString: appUrl });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  }

  it("lets the app's role read and append but refuses UPDATE, DELETE and TRUNCATE", async () => {
    await expect(asApp(`SELECT count(*) FROM "AuditEvent"`)).resolves.toBeTruthy();
    await expect(
      asApp(`UPDATE "AuditEvent" SET "actorName" = 'Mallory' WHERE sequence = 1`),
    ).rejects.toThrow("AuditEvent is append-only: UPDATE is refused");
    await expect(asApp(`DELETE FROM "AuditEvent" WHERE sequence = 2`)).rejects.toThrow(
      "AuditEvent is append-only: DELETE is refused",
    );
    await expect(asApp(`TRUNCATE "AuditEvent"`)).rejects.toThrow(
      "AuditEvent is append-only: TRUNCATE is refused",
    );
    // Nor can it step around the trigger the way a superuser can.
    await expect(asApp("SET session_replication_role = replica")).rejects.toThrow(
      /permission denied/,
    );
    await expect(asApp(`ALTER TABLE "AuditEvent" DISABLE TRIGGER ALL`)).rejects.toThrow(
      /must be owner/,
    );
    const rows = await database.db.auditEvent.findMany({ orderBy: { sequence: "asc" } });
    expect(rows.map((row) => row.actorName)).toEqual(["Alice", "Alice"]);
    expect((await verifyAuditChain({ db: database.db, principal: OPERATOR })).ok).toBe(true);
  });
});
