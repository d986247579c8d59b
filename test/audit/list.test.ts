import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAuditQuery } from "@/lib/audit/audit-filter";
import { type AuditEventRow, listAuditEvents } from "@/lib/audit/list-audit-events";
import { createTestDatabase, type TestDatabase } from "@/test/support/db";
import { AUDITOR, appendEvents } from "./support";

const PERSON_ID = "11111111-2222-4333-8444-555555555555";

describe("audit timeline queries", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await appendEvents(
      database.db,
      Array.from({ length: 230 }, (_, i) => ({
        at: new Date(Date.UTC(2026, 10, 1) + i * 3_600_000),
        application: i % 2 === 0 ? "payments" : "search",
        team: i % 2 === 0 ? "pay" : "find",
        environment: ["dev", "staging", "prod"][i % 3],
        actorName: i % 5 === 0 ? "Dan Developer" : "Gantry",
        actorId: i % 5 === 0 ? PERSON_ID : null,
        action:
          i % 10 === 0 ? "approval.given" : i % 4 === 0 ? "promotion.pr_open" : "promotion.planned",
        outcome: i === 77 ? "denied" : "success",
        detail: { note: i === 123 ? "rolled back after 50%_of errors" : `event ${i}` },
      })),
    );
  });
  afterAll(async () => {
    await database.drop();
  });

  const list = (query: Record<string, string>) => {
    const parsed = parseAuditQuery(query);
    if (!parsed.ok) throw new Error(parsed.errors.join("; "));
    return listAuditEvents({
      db: database.db,
      principal: AUDITOR,
      filter: parsed.filter,
      page: parsed.page,
    });
  };
  const sequences = (events: AuditEventRow[]) => events.map((event) => Number(event.sequence));

  it("pages newest first by cursor, older and back newer, without overlap or gaps", async () => {
    const first = await list({ limit: "100" });
    expect(sequences(first.events)).toEqual(Array.from({ length: 100 }, (_, i) => 230 - i));
    expect(first.newerCursor).toBeNull();
    expect(first.olderCursor).toBe("131");
    const second = await list({ limit: "100", before: first.olderCursor ?? "" });
    expect(sequences(second.events)[0]).toBe(130);
    const third = await list({ limit: "100", before: second.olderCursor ?? "" });
    expect(sequences(third.events)).toEqual(Array.from({ length: 30 }, (_, i) => 30 - i));
    expect(third.olderCursor).toBeNull();
    const back = await list({ limit: "100", after: third.newerCursor ?? "" });
    expect(sequences(back.events)).toEqual(sequences(second.events));
    const top = await list({ limit: "100", after: back.newerCursor ?? "" });
    expect(sequences(top.events)).toEqual(sequences(first.events));
    expect(top.newerCursor).toBeNull();
  });

  it("filters by app and person (name or id), action prefix, outcome, time and text", async () => {
    const byName = await list({ app: "payments", actor: "Dan Developer" });
    // i = seq - 1: even and a multiple of 5 → multiples of 10.
    expect(sequences(byName.events)).toEqual(Array.from({ length: 23 }, (_, k) => 221 - k * 10));
    const byId = await list({ app: "payments", actor: PERSON_ID });
    expect(sequences(byId.events)).toEqual(sequences(byName.events));

    const prefix = await list({ action: "promotion.", limit: "200" });
    expect(prefix.events.every((event) => event.action.startsWith("promotion."))).toBe(true);
    expect(prefix.events).toHaveLength(200);
    const exact = await list({ action: "approval.given", env: "dev" });
    expect(
      exact.events.every((e) => e.action === "approval.given" && e.environment === "dev"),
    ).toBe(true);
    expect(exact.events.length).toBe(8);

    expect(sequences((await list({ outcome: "denied" })).events)).toEqual([78]);
    const window = await list({ from: "2026-11-02T00:00:00Z", to: "2026-11-02T03:00:00Z" });
    expect(sequences(window.events)).toEqual([27, 26, 25]);
    // % and _ are literal in a search, not wildcards.
    expect(sequences((await list({ q: "50%_of" })).events)).toEqual([124]);
    expect((await list({ q: "50%of" })).events).toHaveLength(0);
  });

  it("explains bad parameters, naming each", () => {
    const parsed = parseAuditQuery({
      outcome: "maybe",
      from: "yesterday-ish",
      action: "DROP TABLE",
      before: "-3",
      limit: "5000",
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^outcome must be one of success, denied, failure/),
        expect.stringMatching(/^from must be a date or time/),
        expect.stringMatching(/^action must be an action such as promotion.deployed/),
        expect.stringMatching(/^before must be an event's sequence number/),
        expect.stringMatching(/^limit is at most 200/),
      ]),
    );
    const both = parseAuditQuery({ before: "3", after: "5" });
    expect(both.ok ? [] : both.errors).toEqual(["before: give before or after, not both"]);
    const range = parseAuditQuery({ from: "2026-11-02", to: "2026-11-01" });
    expect(range.ok ? [] : range.errors).toEqual(["from must be before to"]);
  });

  it("needs a signed-in principal", async () => {
    await expect(listAuditEvents({ db: database.db, principal: null, filter: {} })).rejects.toThrow(
      /sign in/,
    );
  });
});
