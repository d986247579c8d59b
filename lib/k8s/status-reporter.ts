import { randomUUID } from "node:crypto";
import { log } from "@/lib/log";
import {
  MAX_ITEMS_PER_REPORT,
  MAX_REPORT_BYTES,
  MAX_SNAPSHOT_PARTS,
  REPORT_SCHEMA_VERSION,
  type StatusItem,
  type SyncReport,
} from "@/lib/sync-status/report";
import type { SendOutcome, SendReport } from "./portal-client";
import { type Backoff, backoffDelay } from "./watch-resource";

/**
 * Keeps the last state of every watched object and sends the portal what
 * changed: deltas batched every `flushIntervalMs` (sooner once `batchSize`
 * changes wait), and a full snapshot at start and every `snapshotIntervalMs`,
 * so the portal can mark what it no longer hears about as Missing. A
 * snapshot larger than one report is sent as consecutive parts sharing a
 * snapshot id; if a part cannot be delivered the whole snapshot is sent
 * again later under a new id (the portal discards the incomplete one).
 *
 * When the portal is down the changes wait, keyed by object, so a newer state
 * replaces an older one (the buffer never holds more than one entry per
 * object). If more than `maxPending` objects are waiting (a flood of deleted
 * objects, say) the buffer is dropped and the next report is a snapshot,
 * which carries the last state of everything that still exists: memory stays
 * bounded and the newest state of every object still arrives.
 */

export type ReporterLogger = Pick<typeof log, "info" | "warn" | "error">;

export interface StatusReporterOptions {
  send: SendReport;
  agent: SyncReport["agent"];
  flushIntervalMs?: number;
  batchSize?: number;
  snapshotIntervalMs?: number;
  maxPending?: number;
  backoff?: Backoff;
  /** Reports are cut below the ingest limits; tests lower this. */
  maxReportBytes?: number;
  /** Items per snapshot part (at most MAX_ITEMS_PER_REPORT); tests lower this. */
  maxItemsPerReport?: number;
  logger?: ReporterLogger;
  /**
   * Whether the current state can be vouched for. While it cannot (a watch is failing),
   * snapshots wait: re-sending remembered state would refresh the portal's last-seen time
   * for objects nobody is watching. Deltas still flow.
   */
  snapshotReady?: () => boolean;
}

export interface ReporterStats {
  reportsAccepted: number;
  snapshotsAccepted: number;
  itemsAccepted: number;
  retries: number;
  rejected: number;
  overflows: number;
  pending: number;
  objects: number;
  refusedTargets: number;
  lastError?: string;
}

/** Two items say the same thing if they differ only in when they were observed. */
function sameState(a: StatusItem, b: StatusItem): boolean {
  return JSON.stringify({ ...a, observedAt: "" }) === JSON.stringify({ ...b, observedAt: "" });
}

export class StatusReporter {
  private readonly current = new Map<string, StatusItem>();
  private readonly pending = new Map<string, StatusItem>();
  private readonly send: SendReport;
  private readonly agent: SyncReport["agent"];
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly snapshotIntervalMs: number;
  private readonly maxPending: number;
  private readonly backoff: Backoff;
  private readonly maxReportBytes: number;
  private readonly maxItems: number;
  private readonly logger: ReporterLogger;
  private readonly snapshotReady: () => boolean;
  private snapshotDue = false;
  private sequence = 0;
  private inFlight: Promise<void> | null = null;
  private failures = 0;
  private retryAt = 0;
  private running = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private snapshotTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly counters = {
    reportsAccepted: 0,
    snapshotsAccepted: 0,
    itemsAccepted: 0,
    retries: 0,
    rejected: 0,
    overflows: 0,
  };
  private lastError: string | undefined;
  /**
   * (application, environment) pairs the portal refused (not in its catalogue, or not this
   * cluster's environment): left out of reports, so one misconfigured object does not get
   * every report refused. Forgotten at each periodic snapshot, to pick up catalogue changes.
   */
  private readonly refused = new Set<string>();

  constructor(options: StatusReporterOptions) {
    this.send = options.send;
    this.agent = options.agent;
    this.flushIntervalMs = options.flushIntervalMs ?? 1_000;
    this.batchSize = Math.min(options.batchSize ?? 500, MAX_ITEMS_PER_REPORT);
    this.snapshotIntervalMs = options.snapshotIntervalMs ?? 5 * 60_000;
    this.maxPending = options.maxPending ?? 20_000;
    this.backoff = options.backoff ?? { baseMs: 500, maxMs: 30_000 };
    // Headroom under the portal's limit for the envelope and JSON escaping.
    this.maxReportBytes = options.maxReportBytes ?? Math.floor(MAX_REPORT_BYTES * 0.9);
    this.maxItems = Math.min(
      options.maxItemsPerReport ?? MAX_ITEMS_PER_REPORT,
      MAX_ITEMS_PER_REPORT,
    );
    this.logger = options.logger ?? log;
    this.snapshotReady = options.snapshotReady ?? (() => true);
  }

  /** Records the state of an object (keyed by the caller); a repeat of the last state is not sent again. */
  upsert(key: string, item: StatusItem): void {
    const previous = this.current.get(key);
    if (previous && sameState(previous, item)) return;
    this.current.set(key, item);
    this.queue(key, item);
  }

  /** The object is gone: the portal gets its last state marked deleted. */
  remove(key: string, observedAt: string): void {
    const previous = this.current.get(key);
    if (!previous) return;
    this.current.delete(key);
    this.queue(key, {
      ...previous,
      syncState: "Unknown",
      health: "Missing",
      message: "deleted from the cluster",
      observedAt,
      deleted: true,
    });
  }

  stats(): ReporterStats {
    return {
      ...this.counters,
      pending: this.pending.size,
      objects: this.current.size,
      refusedTargets: this.refused.size,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  /** Starts sending: a snapshot first, then deltas and periodic snapshots. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.snapshotDue = true;
    this.flushTimer = setInterval(() => this.pump(), this.flushIntervalMs);
    this.snapshotTimer = setInterval(() => {
      this.refused.clear();
      this.snapshotDue = true;
      this.pump();
    }, this.snapshotIntervalMs);
    this.pump();
  }

  /**
   * Stops the timers and sends what is still waiting, giving up at the
   * deadline (a portal that is down must not hold a pod's termination).
   * Returns whether everything was delivered.
   */
  async stop(deadlineMs = 10_000): Promise<boolean> {
    this.running = false;
    clearInterval(this.flushTimer);
    clearInterval(this.snapshotTimer);
    clearTimeout(this.retryTimer);
    const deadline = Date.now() + deadlineMs;
    await this.inFlight;
    while ((this.pending.size > 0 || this.snapshotSendable()) && Date.now() < deadline) {
      const wait = this.retryAt - Date.now();
      if (wait > 0) {
        if (Date.now() + wait > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
      await this.sendNext();
    }
    return this.pending.size === 0 && !this.snapshotSendable();
  }

  private queue(key: string, item: StatusItem): void {
    this.pending.delete(key);
    this.pending.set(key, item);
    if (this.pending.size > this.maxPending) {
      this.pending.clear();
      this.snapshotDue = true;
      this.counters.overflows++;
      this.logger.warn("agent: too many unsent changes; the next report is a full snapshot", {
        maxPending: this.maxPending,
      });
    }
    if (this.pending.size >= this.batchSize) this.pump();
  }

  private pump(): void {
    if (!this.running || this.inFlight || Date.now() < this.retryAt) return;
    if (!this.snapshotSendable() && this.pending.size === 0) return;
    this.inFlight = this.sendNext().finally(() => {
      this.inFlight = null;
      // More than one report's worth waiting, or a snapshot asked for meanwhile: keep going.
      if (this.snapshotSendable() || this.pending.size >= this.batchSize) this.pump();
    });
  }

  private fits(items: StatusItem[]): boolean {
    if (items.length > this.maxItems) return false;
    let bytes = 0;
    for (const item of items) bytes += Buffer.byteLength(JSON.stringify(item)) + 1;
    return bytes <= this.maxReportBytes;
  }

  /** Cuts a snapshot into parts, each within the item and byte limits of one report. */
  private split(items: readonly StatusItem[]): StatusItem[][] {
    const parts: StatusItem[][] = [];
    let current: StatusItem[] = [];
    let bytes = 0;
    for (const item of items) {
      const size = Buffer.byteLength(JSON.stringify(item)) + 1;
      if (
        current.length > 0 &&
        (current.length >= this.maxItems || bytes + size > this.maxReportBytes)
      ) {
        parts.push(current);
        current = [];
        bytes = 0;
      }
      current.push(item);
      bytes += size;
    }
    if (current.length > 0) parts.push(current);
    return parts;
  }

  /**
   * Sends a snapshot too big for one report as parts, one after the other.
   * The portal judges what is missing only after the last part, so a part
   * that fails leaves nothing half-judged: the snapshot is due again.
   */
  private async sendSnapshotParts(parts: StatusItem[][]): Promise<void> {
    this.snapshotDue = false;
    const superseded: [string, StatusItem][] = [...this.pending];
    this.pending.clear();
    const snapshotId = randomUUID();
    for (const [index, items] of parts.entries()) {
      const report: SyncReport = {
        schemaVersion: REPORT_SCHEMA_VERSION,
        agent: this.agent,
        kind: "snapshot",
        sequence: this.sequence++,
        sentAt: new Date().toISOString(),
        items,
        snapshotPart: { snapshotId, part: index + 1, parts: parts.length },
      };
      const last = index === parts.length - 1;
      const accepted = await this.deliver(report, last ? superseded : [], last);
      if (!accepted) {
        // Changes the snapshot superseded wait again; `deliver` made the snapshot due again
        // when retrying can help.
        for (const [key, item] of superseded)
          if (!this.pending.has(key)) this.pending.set(key, item);
        return;
      }
    }
  }

  /** Takes the oldest waiting changes, as many as fit in one report. */
  private takeChunk(): [string, StatusItem][] {
    const taken: [string, StatusItem][] = [];
    let bytes = 0;
    const dropped: string[] = [];
    for (const [key, item] of this.pending) {
      if (this.isRefused(item)) {
        dropped.push(key);
        continue;
      }
      const size = Buffer.byteLength(JSON.stringify(item)) + 1;
      if (
        taken.length > 0 &&
        (taken.length >= this.batchSize || bytes + size > this.maxReportBytes)
      ) {
        break;
      }
      taken.push([key, item]);
      bytes += size;
    }
    for (const key of dropped) this.pending.delete(key);
    for (const [key] of taken) this.pending.delete(key);
    return taken;
  }

  /** A snapshot is due and the watchers can vouch for every object it would list. */
  private snapshotSendable(): boolean {
    return this.snapshotDue && this.snapshotReady();
  }

  private isRefused(item: StatusItem): boolean {
    return this.refused.size > 0 && this.refused.has(`${item.application}|${item.environment}`);
  }

  private async sendNext(): Promise<void> {
    let kind: SyncReport["kind"] = "delta";
    let taken: [string, StatusItem][];
    let items: StatusItem[];
    if (this.snapshotSendable()) {
      const everything = [...this.current.values()].filter((item) => !this.isRefused(item));
      const parts = this.fits(everything) ? [] : this.split(everything);
      if (parts.length > 1 && parts.length <= MAX_SNAPSHOT_PARTS) {
        await this.sendSnapshotParts(parts);
        return;
      }
      if (this.fits(everything)) {
        kind = "snapshot";
        this.snapshotDue = false;
        // The snapshot supersedes every waiting change (deleted objects are simply absent).
        taken = [...this.pending];
        this.pending.clear();
        items = everything;
      } else {
        // More objects than MAX_SNAPSHOT_PARTS reports can hold, and a partial snapshot
        // would mark the rest Missing: send the full state as deltas instead.
        this.logger.warn(
          "agent: too many objects for a snapshot even in parts; sending them as deltas",
          {
            objects: everything.length,
          },
        );
        this.snapshotDue = false;
        for (const [key, item] of this.current)
          if (!this.pending.has(key)) this.pending.set(key, item);
        taken = this.takeChunk();
        items = taken.map(([, item]) => item);
      }
    } else {
      taken = this.takeChunk();
      items = taken.map(([, item]) => item);
    }
    if (kind === "delta" && items.length === 0) return;
    const report: SyncReport = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      agent: this.agent,
      kind,
      sequence: this.sequence++,
      sentAt: new Date().toISOString(),
      items,
    };
    await this.deliver(report, taken, kind === "snapshot");
  }

  /**
   * Sends one report and acts on the answer: `taken` (the waiting changes it
   * carries or supersedes) go back to the queue when it fails; a snapshot
   * (or a snapshot's part) that fails is due again. Returns whether it was accepted.
   */
  private async deliver(
    report: SyncReport,
    taken: [string, StatusItem][],
    completesSnapshot: boolean,
  ): Promise<boolean> {
    const { kind, items } = report;
    let outcome: SendOutcome;
    try {
      outcome = await this.send(report);
    } catch (error) {
      outcome = { kind: "retry", reason: error instanceof Error ? error.message : String(error) };
    }
    if (outcome.kind === "accepted") {
      if (this.failures > 0)
        this.logger.info("agent: portal reachable again", { failures: this.failures });
      this.failures = 0;
      this.retryAt = 0;
      delete this.lastError;
      this.counters.reportsAccepted++;
      this.counters.itemsAccepted += items.length;
      if (kind === "snapshot" && completesSnapshot) this.counters.snapshotsAccepted++;
      return true;
    }
    this.lastError = outcome.reason;
    if (outcome.kind === "rejected" && outcome.refusedItems?.length) {
      // Leave out what the portal named and send the rest again at once.
      const named = outcome.refusedItems.flatMap((index) => items[index] ?? []);
      for (const item of named) this.refused.add(`${item.application}|${item.environment}`);
      this.logger.warn(
        "agent: portal refused items for these applications/environments; not reporting them",
        {
          status: outcome.status,
          reason: outcome.reason,
          targets: [
            ...new Set(named.map((item) => `${item.application}/${item.environment}`)),
          ].slice(0, 20),
        },
      );
      for (const [key, item] of taken) {
        if (!this.pending.has(key) && !this.isRefused(item)) this.pending.set(key, item);
      }
      if (kind === "snapshot") this.snapshotDue = true;
      return false;
    }
    if (outcome.kind === "rejected") {
      // It will never succeed; the next snapshot carries the current state anyway.
      this.counters.rejected++;
      this.logger.error("agent: portal rejected a report; dropped it", {
        status: outcome.status,
        reason: outcome.reason,
        reportKind: kind,
        items: items.length,
      });
      return false;
    }
    this.counters.retries++;
    this.failures++;
    // Put the changes back unless a newer state of the same object arrived meanwhile.
    for (const [key, item] of taken) if (!this.pending.has(key)) this.pending.set(key, item);
    if (kind === "snapshot") this.snapshotDue = true;
    const delay = Math.max(outcome.retryAfterMs ?? 0, backoffDelay(this.failures, this.backoff));
    this.retryAt = Date.now() + delay;
    if (this.failures === 1 || this.failures % 10 === 0) {
      this.logger.warn("agent: portal unavailable; will retry", {
        reason: outcome.reason,
        failures: this.failures,
        retryInMs: delay,
      });
    }
    clearTimeout(this.retryTimer);
    if (this.running) this.retryTimer = setTimeout(() => this.pump(), delay);
    return false;
  }
}
