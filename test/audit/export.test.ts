import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AuditFilter } from "@/lib/audit/audit-filter";
import {
  csvField,
  EXPORT_COLUMNS,
  type ExportFormat,
  exportAuditEvents,
} from "@/lib/audit/export-audit-events";
import { recordAuditEventAlone } from "@/lib/audit/record-audit-event";
import { OPERATOR, verifyAuditChain } from "@/lib/audit/verify-chain";
import { createTestDatabase, type TestDatabase } from "@/test/support/db";
import { AUDITOR, appendEvents, VIEWER } from "./support";

/** RFC 4180 parsing, strict enough to catch a bad quote or line break. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') {
      if (field !== "") throw new Error(`quote inside an unquoted field at ${i}`);
      quoted = true;
    } else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else if (c === "\n" || c === "\r") {
      throw new Error(`bare line break outside quotes at ${i}`);
    } else field += c;
  }
  if (quoted) throw new Error("unterminated quote");
  if (field !== "" || row.length > 0) throw new Error("last line has no CRLF");
  return rows;
}

async function download(
  db: TestDatabase["db"],
  filter: AuditFilter,
  format: ExportFormat,
  batchSize?: number,
): Promise<{ text: string; chunks: number; upTo: bigint }> {
  const exported = await exportAuditEvents({ db, principal: AUDITOR, filter, format, batchSize });
  const reader = exported.stream.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let chunks = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks++;
    text += decoder.decode(value, { stream: true });
  }
  return { text, chunks, upTo: exported.upTo };
}

const TRICKY = [
  '=HYPERLINK("http://evil.example","click")',
  "+1+1",
  "-2",
  "@SUM(A1:A2)",
  "\tleading tab",
  'say "hi", then\r\nleave',
  "plain",
  "naïve — 東京 🚀",
];

// Every export records an audit.exported event, so each test gets a database of its own:
// one test's export must not become a row in another's.
describe("audit export", () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase();
    for (const [index, value] of TRICKY.entries()) {
      await recordAuditEventAlone(database.db, {
        actor: { kind: "person", id: null, name: value, email: "x@example.com" },
        action: "promotion.planned",
        target: {
          type: "promotion",
          application: index % 2 === 0 ? "payments" : "search",
          environment: "prod",
        },
        detail: { note: value, index, nested: { list: [value, null, 1.5] } },
        requestId: `req-${index}`,
      });
    }
  });
  afterEach(async () => {
    await database.drop();
  });

  it("escapes CSV fields: quotes, commas, line breaks, and formulas made text", () => {
    expect(csvField(null)).toBe("");
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("=1+1")).toBe("'=1+1");
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("-1")).toBe("'-1");
    expect(csvField("@x")).toBe("'@x");
    expect(csvField("=a,b")).toBe(`"'=a,b"`);
    expect(csvField("line\nbreak")).toBe('"line\nbreak"');
  });

  it("exports CSV that parses back to every value, formulas neutralised, oldest first", async () => {
    const { text, upTo } = await download(database.db, {}, "csv");
    const [header, ...rows] = parseCsv(text);
    expect(header).toEqual([...EXPORT_COLUMNS]);
    expect(rows).toHaveLength(TRICKY.length);
    const column = (name: (typeof EXPORT_COLUMNS)[number]) => EXPORT_COLUMNS.indexOf(name);
    rows.forEach((row, index) => {
      const value = TRICKY[index] ?? "";
      const expected = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
      expect(row[column("sequence")]).toBe(String(index + 1));
      expect(row[column("actorName")]).toBe(expected);
      expect(row[column("environment")]).toBe("prod");
      expect(row[column("actorId")]).toBe("");
      const detail = JSON.parse(row[column("detail")] ?? "{}") as { note: string };
      expect(detail.note).toBe(value);
      expect(row[column("hash")]).toMatch(/^[0-9a-f]{64}$/);
    });
    // The export is recorded, after what it covers.
    expect(upTo).toBe(BigInt(TRICKY.length));
    const recorded = await database.db.auditEvent.findFirstOrThrow({
      where: { action: "audit.exported" },
      orderBy: { sequence: "desc" },
    });
    expect(recorded.sequence).toBe(upTo + 1n);
    expect(recorded.actorName).toBe(AUDITOR.name);
    expect(recorded.detail).toEqual({ format: "csv", filter: {} });
  });

  it("exports JSON Lines of the filter only, every value intact", async () => {
    const { text } = await download(database.db, { app: "payments" }, "jsonl");
    const lines = text.split("\n");
    expect(lines.at(-1)).toBe("");
    const events = lines.slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events.map((event) => event.application)).toEqual([
      "payments",
      "payments",
      "payments",
      "payments",
    ]);
    expect(events.map((event) => event.actorName)).toEqual(TRICKY.filter((_, i) => i % 2 === 0));
    expect(Object.keys(events[0] ?? {})).toEqual([...EXPORT_COLUMNS]);
    expect(events[3]?.detail).toEqual({
      note: TRICKY[6],
      index: 6,
      nested: { list: [TRICKY[6], null, 1.5] },
    });
    const recorded = await database.db.auditEvent.findFirstOrThrow({
      where: { action: "audit.exported" },
      orderBy: { sequence: "desc" },
    });
    expect(recorded.detail).toEqual({ format: "jsonl", filter: { app: "payments" } });
    expect((await verifyAuditChain({ db: database.db, principal: OPERATOR })).ok).toBe(true);
  });

  it("refuses a viewer, and records nothing for the refusal's export", async () => {
    const before = await database.db.auditEvent.count();
    await expect(
      exportAuditEvents({ db: database.db, principal: VIEWER, filter: {}, format: "csv" }),
    ).rejects.toThrow(/only approvers and admins may export/);
    expect(await database.db.auditEvent.count()).toBe(before);
  });
});

describe("audit export of many events", () => {
  let database: TestDatabase;
  const COUNT = 12_345;
  beforeEach(async () => {
    database = await createTestDatabase();
    await appendEvents(
      database.db,
      Array.from({ length: COUNT }, (_, i) => ({
        application: `app-${i % 7}`,
        action: i % 3 === 0 ? "promotion.deployed" : "promotion.planned",
        detail: { i },
      })),
    );
  });
  afterEach(async () => {
    await database.drop();
  });

  it("streams batch by batch, in sequence order, every event once", async () => {
    const { text, chunks } = await download(database.db, {}, "jsonl", 1_000);
    const sequences = text
      .trimEnd()
      .split("\n")
      .map((line) => Number((JSON.parse(line) as { sequence: string }).sequence));
    expect(sequences).toHaveLength(COUNT);
    expect(sequences.every((sequence, index) => sequence === index + 1)).toBe(true);
    // One chunk per batch of 1,000 read: never the whole export at once.
    expect(chunks).toBe(Math.ceil(COUNT / 1_000));
  });

  it("reads only what the reader asks for: cancelling stops the reads", async () => {
    const exported = await exportAuditEvents({
      db: database.db,
      principal: AUDITOR,
      filter: { app: "app-3" },
      format: "csv",
      batchSize: 100,
    });
    const reader = exported.stream.getReader();
    const first = await reader.read();
    const text = new TextDecoder().decode(first.value);
    // The header and exactly one batch: nothing read ahead beyond the stream's one-chunk buffer.
    expect(text.split("\r\n").filter(Boolean)).toHaveLength(101);
    await reader.cancel();
    const filtered = await download(
      database.db,
      { app: "app-3", action: "promotion.deployed" },
      "csv",
      100,
    );
    const rows = parseCsv(filtered.text).slice(1);
    const expected = Array.from({ length: COUNT }, (_, i) => i).filter(
      (i) => i % 7 === 3 && i % 3 === 0,
    );
    expect(rows).toHaveLength(expected.length);
  });
});

describe("audit export whose reader goes away", () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase();
    await appendEvents(
      database.db,
      Array.from({ length: 3_000 }, (_, i) => ({ application: "app-1", detail: { i } })),
    );
  });
  afterEach(async () => {
    await database.drop();
  });

  it("a reader that goes away mid-export: the batch being read is dropped quietly, and no query outlives the cancel", async () => {
    // The export's reads, watched: which are still running.
    const reads: { settled: boolean; done: Promise<unknown> }[] = [];
    const db = new Proxy(database.db, {
      get(target, property) {
        const value: unknown = Reflect.get(target, property);
        if (property !== "$queryRaw" || typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const result: unknown = Reflect.apply(value, target, args);
          const read = { settled: false, done: Promise.resolve(result) };
          read.done = read.done.finally(() => {
            read.settled = true;
          });
          reads.push(read);
          return result;
        };
      },
    });
    const logged = vi.spyOn(process.stderr, "write");
    try {
      const exported = await exportAuditEvents({
        db,
        principal: AUDITOR,
        filter: {},
        format: "jsonl",
        batchSize: 1_000,
      });
      const reader = exported.stream.getReader();
      await reader.read();
      // The stream is now reading the next batch to refill its one-chunk buffer.
      await new Promise((resolve) => setImmediate(resolve));
      expect(reads.some((read) => !read.settled)).toBe(true);
      await reader.cancel();
      expect(reads.filter((read) => !read.settled)).toEqual([]);
      // Whatever was still running has finished and been handled.
      await Promise.allSettled(reads.map((read) => read.done));
      await new Promise((resolve) => setImmediate(resolve));
      const errors = logged.mock.calls
        .map(([chunk]) => String(chunk))
        .filter((line) => line.includes('"level":"error"'));
      expect(errors).toEqual([]);
    } finally {
      logged.mockRestore();
    }
  });
});
