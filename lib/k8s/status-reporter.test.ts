import { describe, expect, it } from "vitest";
import { type StatusItem, type SyncReport, SyncReportSchema } from "@/lib/sync-status/report";
import type { SendOutcome } from "./portal-client";
import { StatusReporter } from "./status-reporter";

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

function statusItem(name: string, health: StatusItem["health"], revision = "abc"): StatusItem {
  return {
    application: name,
    environment: "prod",
    source: { kind: "argocd-application", namespace: "argocd", name },
    syncState: "Synced",
    health,
    syncedRevision: revision,
    observedAt: new Date().toISOString(),
  };
}

/** A portal stand-in: records reports, answers what the test says. */
function fakePortal() {
  const received: SyncReport[] = [];
  let answer: SendOutcome = { kind: "accepted", status: 202 };
  let attempts = 0;
  return {
    received,
    attempts: () => attempts,
    answer: (next: SendOutcome) => {
      answer = next;
    },
    send: async (report: SyncReport): Promise<SendOutcome> => {
      attempts++;
      SyncReportSchema.parse(report);
      if (answer.kind === "accepted") received.push(report);
      return answer;
    },
  };
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function reporterFor(portal: ReturnType<typeof fakePortal>, extra: { maxPending?: number } = {}) {
  return new StatusReporter({
    send: portal.send,
    agent: { version: "test", mode: "agent" },
    flushIntervalMs: 10,
    backoff: { baseMs: 5, maxMs: 20 },
    logger: quiet,
    ...extra,
  });
}

const lastStates = (reports: SyncReport[]) =>
  new Map(
    reports.flatMap((r) => r.items).map((i) => [i.source.name, i.deleted ? "deleted" : i.health]),
  );

describe("StatusReporter", () => {
  it("starts with a snapshot, then sends only changes, in order", async () => {
    const portal = fakePortal();
    const reporter = reporterFor(portal);
    reporter.upsert("a", statusItem("a", "Progressing"));
    reporter.upsert("b", statusItem("b", "Healthy"));
    reporter.start();
    await until("the snapshot", () => portal.received.length === 1);
    expect(portal.received[0]?.kind).toBe("snapshot");
    expect(portal.received[0]?.items.map((i) => i.source.name).sort()).toEqual(["a", "b"]);

    reporter.upsert("b", statusItem("b", "Healthy")); // same state: nothing to send
    reporter.upsert("a", statusItem("a", "Healthy"));
    reporter.remove("b", new Date().toISOString());
    await until("the delta", () => portal.received.length === 2);
    const delta = portal.received[1];
    expect(delta?.kind).toBe("delta");
    expect(delta?.items.map((i) => [i.source.name, i.health, i.deleted ?? false])).toEqual([
      ["a", "Healthy", false],
      ["b", "Missing", true],
    ]);
    expect(delta?.sequence).toBeGreaterThan(portal.received[0]?.sequence ?? Infinity);
    expect(await reporter.stop()).toBe(true);
  });

  it("keeps the newest state per object while the portal is down, and delivers it after", async () => {
    const portal = fakePortal();
    const reporter = reporterFor(portal);
    reporter.start();
    await until("the empty snapshot", () => portal.received.length === 1);
    portal.answer({ kind: "retry", reason: "503" });
    for (const health of ["Progressing", "Degraded", "Healthy"] as const) {
      reporter.upsert("a", statusItem("a", health));
      reporter.upsert("c", statusItem("c", health));
      const seen = portal.attempts();
      await until("a failed attempt", () => portal.attempts() > seen);
    }
    expect(reporter.stats().pending).toBe(2);
    portal.answer({ kind: "accepted", status: 202 });
    await until("delivery", () => reporter.stats().pending === 0 && portal.received.length > 1);
    const after = portal.received.slice(1);
    expect(after.flatMap((r) => r.items).map((i) => [i.source.name, i.health])).toEqual([
      ["a", "Healthy"],
      ["c", "Healthy"],
    ]);
    expect(reporter.stats().retries).toBeGreaterThanOrEqual(3);
    await reporter.stop();
  });

  it("bounds the buffer: on overflow the next report is a snapshot of the current state", async () => {
    const portal = fakePortal();
    const reporter = reporterFor(portal, { maxPending: 3 });
    reporter.start();
    await until("the first snapshot", () => portal.received.length === 1);
    portal.answer({ kind: "retry", reason: "down" });
    for (const name of ["a", "b", "c", "d", "e"])
      reporter.upsert(name, statusItem(name, "Healthy"));
    reporter.remove("e", new Date().toISOString());
    expect(reporter.stats().pending).toBeLessThanOrEqual(3);
    expect(reporter.stats().overflows).toBe(1);
    portal.answer({ kind: "accepted", status: 202 });
    await until("a snapshot", () => portal.received.some((r, i) => i > 0 && r.kind === "snapshot"));
    const snapshot = portal.received.find((r, i) => i > 0 && r.kind === "snapshot");
    expect(snapshot?.items.map((i) => i.source.name).sort()).toEqual(["a", "b", "c", "d"]);
    await reporter.stop();
  });

  it("drops a report the portal rejects (4xx) instead of retrying it", async () => {
    const portal = fakePortal();
    const reporter = reporterFor(portal);
    portal.answer({ kind: "rejected", status: 400, reason: "bad" });
    reporter.upsert("a", statusItem("a", "Healthy"));
    reporter.start();
    await until("the rejection", () => reporter.stats().rejected === 1);
    expect(reporter.stats().pending).toBe(0);
    expect(reporter.stats().retries).toBe(0);
    await reporter.stop();
  });

  it("leaves out the items the portal refuses (422) and delivers the rest", async () => {
    const received: SyncReport[] = [];
    const send = async (report: SyncReport): Promise<SendOutcome> => {
      const refused = report.items.flatMap((item, index) =>
        item.application === "ghost" ? [index] : [],
      );
      if (refused.length > 0) {
        return {
          kind: "rejected",
          status: 422,
          reason: "not in the catalogue",
          refusedItems: refused,
        };
      }
      received.push(report);
      return { kind: "accepted", status: 200 };
    };
    const reporter = new StatusReporter({
      send,
      agent: { version: "test", mode: "agent" },
      flushIntervalMs: 10,
      logger: quiet,
    });
    reporter.upsert("a", statusItem("a", "Healthy"));
    reporter.upsert("ghost", statusItem("ghost", "Healthy"));
    reporter.start();
    await until("the snapshot", () => received.length === 1);
    expect(received[0]?.kind).toBe("snapshot");
    expect(received[0]?.items.map((i) => i.application)).toEqual(["a"]);
    reporter.upsert("ghost", statusItem("ghost", "Degraded"));
    reporter.upsert("a", statusItem("a", "Degraded"));
    await until("the delta", () => received.length === 2);
    expect(received[1]?.items.map((i) => i.application)).toEqual(["a"]);
    expect(reporter.stats()).toMatchObject({ refusedTargets: 1, rejected: 0, pending: 0 });
    await reporter.stop();
  });

  it("holds snapshots while a watch cannot vouch for the state, but still sends deltas", async () => {
    const portal = fakePortal();
    let watching = false;
    const reporter = new StatusReporter({
      send: portal.send,
      agent: { version: "test", mode: "agent" },
      flushIntervalMs: 10,
      logger: quiet,
      snapshotReady: () => watching,
    });
    reporter.upsert("a", statusItem("a", "Healthy"));
    reporter.start();
    await until("the delta", () => portal.received.length === 1);
    expect(portal.received[0]?.kind).toBe("delta");
    watching = true;
    await until("the snapshot", () => portal.received.length === 2);
    expect(portal.received[1]?.kind).toBe("snapshot");
    expect(await reporter.stop()).toBe(true);
  });

  it("stop() sends what is still waiting", async () => {
    const portal = fakePortal();
    const reporter = new StatusReporter({
      send: portal.send,
      agent: { version: "test", mode: "watcher" },
      flushIntervalMs: 60_000,
      logger: quiet,
    });
    reporter.start();
    await until("the snapshot", () => portal.received.length === 1);
    reporter.upsert("late", statusItem("late", "Healthy"));
    expect(await reporter.stop()).toBe(true);
    expect(lastStates(portal.received).get("late")).toBe("Healthy");
  });

  it("sends a snapshot of 12,000 objects as 3 parts of one snapshot id, every object once", async () => {
    const portal = fakePortal();
    const reporter = reporterFor(portal);
    for (let n = 0; n < 12_000; n++) reporter.upsert(`o${n}`, statusItem(`o${n}`, "Healthy"));
    reporter.start();
    await until("three parts", () => portal.received.length === 3);
    const parts = portal.received.map((r) => r.snapshotPart);
    expect(portal.received.every((r) => r.kind === "snapshot")).toBe(true);
    expect(parts.map((p) => [p?.part, p?.parts])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(new Set(parts.map((p) => p?.snapshotId)).size).toBe(1);
    expect(portal.received.map((r) => r.items.length)).toEqual([5_000, 5_000, 2_000]);
    const names = portal.received.flatMap((r) => r.items.map((i) => i.source.name));
    expect(new Set(names).size).toBe(12_000);
    expect(reporter.stats().snapshotsAccepted).toBe(1);
    await reporter.stop();
  });

  it("cuts parts by bytes too, and a snapshot that fits in one report has no parts", async () => {
    const portal = fakePortal();
    const reporter = new StatusReporter({
      send: portal.send,
      agent: { version: "test", mode: "agent" },
      flushIntervalMs: 10,
      logger: quiet,
      maxReportBytes: 1_000,
    });
    for (let n = 0; n < 12; n++) reporter.upsert(`o${n}`, statusItem(`o${n}`, "Healthy"));
    reporter.start();
    await until("every part", () => {
      const last = portal.received.at(-1)?.snapshotPart;
      return last !== undefined && last.part === last.parts;
    });
    expect(portal.received.length).toBeGreaterThan(1);
    for (const report of portal.received) {
      expect(Buffer.byteLength(JSON.stringify(report.items))).toBeLessThanOrEqual(1_000 + 20);
    }
    await reporter.stop();

    const small = fakePortal();
    const one = reporterFor(small);
    one.upsert("a", statusItem("a", "Healthy"));
    one.start();
    await until("the snapshot", () => small.received.length === 1);
    expect(small.received[0]?.snapshotPart).toBeUndefined();
    await one.stop();
  });

  it("sends the whole snapshot again under a new id when a part fails", async () => {
    const received: SyncReport[] = [];
    let failOnce = true;
    const send = async (report: SyncReport): Promise<SendOutcome> => {
      if (report.snapshotPart?.part === 2 && failOnce) {
        failOnce = false;
        return { kind: "retry", reason: "503" };
      }
      received.push(report);
      return { kind: "accepted", status: 202 };
    };
    const reporter = new StatusReporter({
      send,
      agent: { version: "test", mode: "agent" },
      flushIntervalMs: 10,
      backoff: { baseMs: 5, maxMs: 20 },
      logger: quiet,
      maxItemsPerReport: 4,
    });
    for (let n = 0; n < 10; n++) reporter.upsert(`o${n}`, statusItem(`o${n}`, "Healthy"));
    reporter.start();
    await until("a complete snapshot", () => received.some((r) => r.snapshotPart?.part === 3));
    const first = received[0]?.snapshotPart?.snapshotId;
    const complete = received.filter((r) => r.snapshotPart?.snapshotId !== first);
    expect(complete.map((r) => r.snapshotPart?.part)).toEqual([1, 2, 3]);
    expect(complete.flatMap((r) => r.items).length).toBe(10);
    expect(reporter.stats().snapshotsAccepted).toBe(1);
    await reporter.stop();
  });
});
