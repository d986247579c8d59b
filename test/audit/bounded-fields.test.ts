import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAuditEventAlone } from "@/lib/audit/record-audit-event";
import { recordDenial } from "@/lib/audit/record-denial";
import { OPERATOR, verifyAuditChain } from "@/lib/audit/verify-chain";
import { GANTRY_ACTOR } from "@/lib/identity/actor";
import type { Person } from "@/lib/identity/principal";
import { createTestDatabase, type TestDatabase } from "@/test/support/db";

/** Recording an event never fails on the size of what it records: long fields are cut, marked. */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  if (t) expect((await verifyAuditChain({ db: t.db, principal: OPERATOR })).ok).toBe(true);
  await t?.drop();
});

const person = (name: string): Person => ({
  kind: "person",
  id: "7d7d3a3e-3b0e-4a8c-9d6a-000000000001",
  name,
  email: "long@example.test",
  roles: ["viewer"],
  teams: [],
  approverEnvironments: [],
  breakGlass: false,
  gitLogin: null,
});

describe("audit fields are bounded", () => {
  it("records a denial for a person with a 10 kB name, the name cut with a marker", async () => {
    const name = "N".repeat(10_000);
    await recordDenial({
      db: t.db,
      principal: person(name),
      permission: "promotion:request",
      reason: "R".repeat(20_000),
      resource: { request: `POST /api/v1/${"p".repeat(5000)}` },
    });
    const event = await t.db.auditEvent.findFirstOrThrow({
      where: { action: "permission.denied" },
      orderBy: { sequence: "desc" },
    });
    expect(event.actorName.length).toBeLessThanOrEqual(250);
    expect(event.actorName).toMatch(/^N+…\[truncated 9\d{3} chars\]$/);
  });

  it("cuts long strings anywhere in the detail, and long target fields", async () => {
    await recordAuditEventAlone(t.db, {
      actor: GANTRY_ACTOR,
      action: "test.recorded",
      target: { type: "application", id: "i".repeat(3000), application: "a".repeat(3000) },
      detail: { note: "x".repeat(50_000), nested: { list: ["y".repeat(9000), 1, true] } },
    });
    const event = await t.db.auditEvent.findFirstOrThrow({
      where: { action: "test.recorded" },
      orderBy: { sequence: "desc" },
    });
    const detail = event.detail as { note: string; nested: { list: [string, number, boolean] } };
    expect(detail.note).toMatch(/…\[truncated \d+ chars\]$/);
    expect(detail.note.length).toBeLessThanOrEqual(2100);
    expect(detail.nested.list[0]).toMatch(/…\[truncated \d+ chars\]$/);
    expect(detail.nested.list.slice(1)).toEqual([1, true]);
    expect(event.targetId?.length).toBeLessThanOrEqual(250);
    expect(event.application?.length).toBeLessThanOrEqual(250);
  });
});
