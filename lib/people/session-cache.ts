import { createHash } from "node:crypto";
import type { Person } from "@/lib/identity/principal";

/**
 * What session cookies stood for when they were last read from the
 * database, kept a few seconds per process: every page asks who is signed
 * in, and 16 readers at once each paid three queries for the same answer.
 *
 * Revocation stays effective:
 * - in this process at once: whatever ends a session or changes a person
 *   (sign-out, a new password, a disable, new grants, a rename) calls
 *   `forgetSignedInPeople` after it commits, and better-auth's endpoints
 *   other than reading the session do too (lib/people/auth-server.ts);
 * - in other processes (replicas, the CLI) within `SESSION_CACHE_TTL_MS`,
 *   when their own entries run out.
 * A read that started before a forget never stores its (possibly old)
 * answer. Keys are hashes of the signed cookie value, never the token.
 */
const SESSION_CACHE_TTL_MS = 5_000;
const MAX_ENTRIES = 1_000;

export class SessionCache<T> {
  private readonly entries = new Map<string, { value: T; storedAt: number }>();
  private generation = 0;

  constructor(
    private readonly ttlMs = SESSION_CACHE_TTL_MS,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** The key of a signed session cookie's value. */
  static keyOf(cookieValue: string): string {
    return createHash("sha256").update(cookieValue).digest("base64url");
  }

  get(key: string): T | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (this.clock() - entry.storedAt >= this.ttlMs) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }

  /** Call before reading the database; pass the result to `set`. */
  startRead(): number {
    return this.generation;
  }

  /** Stores what a read found, unless a forget came between its start and now. */
  set(key: string, value: T, readStartedAt: number): void {
    if (readStartedAt !== this.generation) return;
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, storedAt: this.clock() });
  }

  /** Changes an entry in place (the session's last activity), keeping its age. */
  update(key: string, change: (value: T) => T): void {
    const entry = this.entries.get(key);
    if (entry) entry.value = change(entry.value);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets every entry, and any read in flight. */
  clear(): void {
    this.entries.clear();
    this.generation++;
  }
}

/** A session as the checks in lib/people/current-principal.ts need it, with its person. */
export interface CachedSignIn {
  session: { id: string; userId: string; createdAt: Date; updatedAt: Date; expiresAt: Date };
  person: Person;
  mustChangePassword: boolean;
}

declare global {
  var gantrySignInCache: SessionCache<CachedSignIn> | undefined;
}

/** The process's cache of signed-in sessions. */
export function signInCache(): SessionCache<CachedSignIn> {
  globalThis.gantrySignInCache ??= new SessionCache<CachedSignIn>();
  return globalThis.gantrySignInCache;
}

/** A person or a session changed in this process: no cached answer about who is signed in stands. */
export function forgetSignedInPeople(): void {
  globalThis.gantrySignInCache?.clear();
}
