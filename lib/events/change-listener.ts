import pg from "pg";
import { getConfig } from "@/lib/config";
import { GantryError } from "@/lib/errors";
import { log } from "@/lib/log";
import { CHANGES_CHANNEL, type ChangeEvent, ChangeEventSchema } from "./changes";

/**
 * One LISTEN connection per server process, shared by every open event
 * stream: it connects when the first subscriber arrives and closes when the
 * last one leaves, so a portal nobody watches holds no extra connection.
 * A dropped connection is re-opened with exponential backoff (0.5 s → 30 s);
 * subscribers are told with a `reconnected` call, since notifications sent
 * while it was down are lost and their pages should re-read.
 */

export interface ChangeSubscriber {
  onChange: (event: ChangeEvent) => void;
  /** The connection came back after a drop: changes may have been missed. */
  onReconnect?: () => void;
}

export interface ChangeListenerOptions {
  connectionString: string;
  backoff?: { baseMs: number; maxMs: number };
}

export class ChangeListener {
  private readonly subscribers = new Set<ChangeSubscriber>();
  private readonly connectionString: string;
  private readonly backoff: { baseMs: number; maxMs: number };
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  /** The connection dropped (not closed by us): subscribers may have missed changes. */
  private lost = false;

  constructor(options: ChangeListenerOptions) {
    this.connectionString = options.connectionString;
    this.backoff = options.backoff ?? { baseMs: 500, maxMs: 30_000 };
  }

  /** Adds a subscriber; resolves once notifications flow (or the first attempt failed and retries). Returns the unsubscribe function. */
  async subscribe(subscriber: ChangeSubscriber): Promise<() => void> {
    this.subscribers.add(subscriber);
    this.ensureConnected();
    await this.connecting;
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      this.subscribers.delete(subscriber);
      if (this.subscribers.size === 0) void this.disconnect();
    };
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Whether the LISTEN connection is open. */
  get connected(): boolean {
    return this.client !== null && this.connecting === null;
  }

  /** Closes the connection and forgets every subscriber (shutdown, tests). */
  async close(): Promise<void> {
    this.subscribers.clear();
    await this.disconnect();
  }

  private ensureConnected(): void {
    if (this.client || this.connecting || this.retryTimer) return;
    this.connecting = this.connect().finally(() => {
      this.connecting = null;
    });
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.connectionString,
      application_name: "gantry-events",
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
    });
    client.on("notification", (message) => {
      if (message.channel !== CHANGES_CHANNEL || !message.payload) return;
      this.dispatch(message.payload);
    });
    client.on("error", (error) => this.dropped(client, error));
    client.on("end", () => this.dropped(client, null));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (error) {
      client.removeAllListeners("end");
      await client.end().catch(() => undefined);
      this.scheduleRetry(error);
      return;
    }
    if (this.subscribers.size === 0) {
      // Everyone left while we connected.
      client.removeAllListeners("end");
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (this.failures > 0 || this.lost) {
      log.info("events: listening again", { failures: this.failures });
      for (const subscriber of this.subscribers) subscriber.onReconnect?.();
    }
    this.failures = 0;
    this.lost = false;
  }

  private dispatch(payload: string): void {
    let parsed: ChangeEvent;
    try {
      const result = ChangeEventSchema.safeParse(JSON.parse(payload));
      if (!result.success) return;
      parsed = result.data;
    } catch (error) {
      log.warn("events: ignored a notification that is not JSON", { error: String(error) });
      return;
    }
    for (const subscriber of this.subscribers) {
      try {
        subscriber.onChange(parsed);
      } catch (error) {
        log.warn("events: a subscriber failed", { error: String(error) });
      }
    }
  }

  private dropped(client: pg.Client, error: Error | null): void {
    if (this.client !== client) return;
    this.client = null;
    this.lost = true;
    client.removeAllListeners("end");
    client.end().catch(() => undefined);
    if (this.subscribers.size > 0) this.scheduleRetry(error);
  }

  private scheduleRetry(error: unknown): void {
    this.failures++;
    const delay = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** (this.failures - 1));
    if (this.failures === 1 || this.failures % 10 === 0) {
      log.warn("events: LISTEN connection lost; retrying", {
        failures: this.failures,
        retryInMs: delay,
        reason: error instanceof Error ? error.message : "connection ended",
      });
    }
    clearTimeout(this.retryTimer);
    if (this.subscribers.size === 0) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.subscribers.size > 0) this.ensureConnected();
    }, delay);
    this.retryTimer.unref();
  }

  private async disconnect(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.lost = false;
    this.failures = 0;
    await this.connecting;
    const client = this.client;
    this.client = null;
    if (!client) return;
    client.removeAllListeners("end");
    client.removeAllListeners("error");
    client.on("error", () => undefined);
    await client.end().catch(() => undefined);
  }
}

declare global {
  // One listener per process, surviving hot reloads in development.
  var gantryChangeListener: ChangeListener | undefined;
}

/** The process's listener, on DATABASE_URL. */
export function getChangeListener(): ChangeListener {
  if (globalThis.gantryChangeListener) return globalThis.gantryChangeListener;
  const url = getConfig().databaseUrl;
  if (!url) {
    throw new GantryError("unavailable", "live updates need a database (DATABASE_URL is not set)");
  }
  globalThis.gantryChangeListener = new ChangeListener({ connectionString: url });
  return globalThis.gantryChangeListener;
}
