import { describe, expect, it } from "vitest";
import type { ChangeListener, ChangeSubscriber } from "./change-listener";
import { type ChangeEvent, matchesFilter } from "./changes";
import { changeEventStream } from "./event-stream";

const promotion = (promotionId: string, application: string): ChangeEvent => ({
  kind: "promotion",
  promotionId,
  application,
  state: "merged",
});
const sync = (applications?: string[]): ChangeEvent =>
  applications ? { kind: "sync", cluster: "prod-eu-1", applications } : { kind: "sync" };

describe("matchesFilter", () => {
  it("an empty filter takes everything", () => {
    expect(matchesFilter(promotion("p1", "a"), {})).toBe(true);
    expect(matchesFilter(sync(["a"]), {})).toBe(true);
  });

  it("a promotion's stream takes that promotion and its application's status, nothing else", () => {
    const filter = { promotionId: "p1", application: "a" };
    expect(matchesFilter(promotion("p1", "a"), filter)).toBe(true);
    expect(matchesFilter(promotion("p2", "a"), filter)).toBe(true);
    expect(matchesFilter(promotion("p3", "b"), filter)).toBe(false);
    expect(matchesFilter(sync(["b", "a"]), filter)).toBe(true);
    expect(matchesFilter(sync(["b"]), filter)).toBe(false);
    // A report that changed too many applications to name concerns everyone.
    expect(matchesFilter(sync(), filter)).toBe(true);
  });

  it("a promotion filter alone never matches by an absent application", () => {
    expect(matchesFilter(promotion("p2", "a"), { promotionId: "p1" })).toBe(false);
    expect(matchesFilter(sync(["a"]), { promotionId: "p1" })).toBe(false);
  });
});

/** A listener stand-in: the test pushes changes to whoever subscribed. */
function fakeListener() {
  const subscribers = new Set<ChangeSubscriber>();
  const listener = {
    subscribe: async (subscriber: ChangeSubscriber) => {
      subscribers.add(subscriber);
      return () => subscribers.delete(subscriber);
    },
  };
  return {
    listener: listener satisfies Pick<ChangeListener, "subscribe">,
    subscribers,
    push: (event: ChangeEvent) => {
      for (const subscriber of subscribers) subscriber.onChange(event);
    },
  };
}

async function readText(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const { value } = await reader.read();
  return new TextDecoder().decode(value);
}

describe("changeEventStream", () => {
  it("sends matching changes as SSE, drops what a slow reader cannot take, then says resync", async () => {
    const fake = fakeListener();
    const abort = new AbortController();
    const stream = changeEventStream({
      listener: fake.listener,
      filter: { application: "a" },
      request: { signal: abort.signal },
      bufferSize: 3,
    });
    const reader = stream.getReader();
    expect(await readText(reader)).toContain(": connected");
    // Once subscribed, it says so: the page re-reads what changed before that.
    expect(await readText(reader)).toMatch(/^event: ready\ndata: \{"at":"[^"]+"\}\n\n$/);
    expect(fake.subscribers.size).toBe(1);

    fake.push(sync(["b"])); // filtered out
    fake.push(sync(["a"]));
    expect(await readText(reader)).toBe(
      `event: change\ndata: ${JSON.stringify({ kind: "sync", cluster: "prod-eu-1", applications: ["a"] })}\n\n`,
    );

    // Nobody reads: at most 3 wait, the rest are dropped.
    for (let n = 0; n < 10; n++) fake.push(promotion(`p${n}`, "a"));
    const texts: string[] = [];
    for (let n = 0; n < 4; n++) texts.push(await readText(reader));
    expect(texts.slice(0, 3).every((text) => text.startsWith("event: change"))).toBe(true);
    expect(texts[3]).toContain("event: resync");

    abort.abort();
    expect((await reader.read()).done).toBe(true);
    expect(fake.subscribers.size).toBe(0);
  });

  it("a reader that cancels unsubscribes", async () => {
    const fake = fakeListener();
    const stream = changeEventStream({
      listener: fake.listener,
      filter: {},
      request: { signal: new AbortController().signal },
    });
    const reader = stream.getReader();
    await readText(reader);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(fake.subscribers.size).toBe(1);
    await reader.cancel();
    expect(fake.subscribers.size).toBe(0);
  });
});

describe("changeEventStream for someone whose access ends", () => {
  it("ends the stream with `event: signed-out` once the principal no longer may read", async () => {
    const fake = fakeListener();
    let allowed = true;
    let checks = 0;
    const stream = changeEventStream({
      listener: fake.listener,
      filter: {},
      request: { signal: new AbortController().signal },
      stillAllowed: async () => {
        checks++;
        return allowed;
      },
      recheckMs: 5,
    });
    const reader = stream.getReader();
    expect(await readText(reader)).toContain(": connected");
    expect(await readText(reader)).toContain("event: ready");
    // Still allowed: changes flow.
    fake.push(sync(["a"]));
    expect(await readText(reader)).toContain("event: change");
    allowed = false; // e.g. an admin disabled the person
    let text = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain("event: signed-out");
    expect(checks).toBeGreaterThan(0);
    expect(fake.subscribers.size).toBe(0);
  });
});
