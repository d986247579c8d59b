import { type AuditFilter, auditFilterJson } from "@/lib/audit/audit-filter";
import { type AuditEventRow, readAuditEvents } from "@/lib/audit/list-audit-events";
import { recordAuditEventAlone } from "@/lib/audit/record-audit-event";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { assertCan } from "@/lib/identity/permissions";
import { actorOf, type Principal } from "@/lib/identity/principal";
import { logUnexpected } from "@/lib/log";

export const EXPORT_FORMATS = ["csv", "jsonl"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The export's columns, in order: every field of the event, the hashes last. */
export const EXPORT_COLUMNS = [
  "sequence",
  "id",
  "at",
  "actorKind",
  "actorId",
  "actorName",
  "action",
  "targetType",
  "targetId",
  "application",
  "team",
  "environment",
  "promotionId",
  "cluster",
  "outcome",
  "requestId",
  "sourceAddress",
  "detail",
  "previousHash",
  "hash",
] as const satisfies readonly (keyof AuditEventRow)[];

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line
 * break, quotes doubled. A value a spreadsheet would run as a formula
 * (starting with =, +, -, @, tab or carriage return) is prefixed with ' so
 * it stays text.
 */
export function csvField(value: string | null | undefined): string {
  if (value === null || value === undefined) return "";
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function csvHeader(): string {
  return `${EXPORT_COLUMNS.join(",")}\r\n`;
}

function csvLine(event: AuditEventRow): string {
  return `${EXPORT_COLUMNS.map((column) => {
    const value = event[column];
    return csvField(typeof value === "object" && value !== null ? JSON.stringify(value) : value);
  }).join(",")}\r\n`;
}

function jsonLine(event: AuditEventRow): string {
  const ordered: Record<string, unknown> = {};
  for (const column of EXPORT_COLUMNS) ordered[column] = event[column] ?? null;
  return `${JSON.stringify(ordered)}\n`;
}

export interface AuditExport {
  stream: ReadableStream<Uint8Array>;
  filename: string;
  contentType: string;
  /** The last sequence the export covers: events after it (its own included) are left out. */
  upTo: bigint;
}

/**
 * Exports the events matching `filter`, oldest first, as CSV or JSON Lines,
 * streamed: each pull reads one keyset batch, so memory stays constant
 * whatever the size, and a slow reader slows the reads. The export is
 * recorded first (`audit.exported` with the filter) and covers the chain up
 * to the event before its own, a consistent snapshot. Needs audit:export.
 */
export async function exportAuditEvents(params: {
  db: PrismaClient;
  principal: Principal | null;
  filter: AuditFilter;
  format: ExportFormat;
  batchSize?: number;
  now?: Date;
}): Promise<AuditExport> {
  const { db, filter, format } = params;
  assertCan(params.principal, "audit:export");
  const batchSize = params.batchSize ?? 2_000;
  const recorded = await recordAuditEventAlone(db, {
    actor: actorOf(params.principal),
    action: "audit.exported",
    target: { type: "audit", id: null },
    detail: { format, filter: auditFilterJson(filter) },
  });
  const upTo = recorded.sequence - 1n;
  const encoder = new TextEncoder();
  let cursor = 0n;
  let started = false;
  let done = false;
  // A reader that goes away (the browser's download cancelled, the connection dropped) cancels
  // the stream while a batch may still be read: that batch is dropped, not enqueued into a
  // closed stream, and the cancel waits for it so no query outlives the export.
  let cancelled = false;
  let reading: Promise<unknown> = Promise.resolve();
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          let text = "";
          if (!started && format === "csv") text += csvHeader();
          started = true;
          const batch: Promise<AuditEventRow[]> = done
            ? Promise.resolve([])
            : readAuditEvents({
                db,
                filter,
                order: "asc",
                cursor,
                upTo,
                limit: batchSize,
                withHashes: true,
              });
          reading = batch.catch(() => undefined);
          const rows = await batch;
          if (cancelled) return;
          for (const row of rows) text += format === "csv" ? csvLine(row) : jsonLine(row);
          const last = rows.at(-1);
          if (last) cursor = BigInt(last.sequence);
          if (rows.length < batchSize) done = true;
          if (text !== "") controller.enqueue(encoder.encode(text));
          if (done) controller.close();
        } catch (error) {
          if (cancelled) return;
          logUnexpected(error, { during: "audit export", format });
          controller.error(new Error("the export stopped on a server error; see the server log"));
        }
      },
      async cancel() {
        cancelled = true;
        await reading;
      },
    },
    { highWaterMark: 1 },
  );
  const stamp = (params.now ?? new Date()).toISOString().replace(/[:.]/g, "-");
  return {
    stream,
    filename: `gantry-audit-${stamp}.${format}`,
    contentType:
      format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
    upTo,
  };
}
