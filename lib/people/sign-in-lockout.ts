import { createHmac, timingSafeEqual } from "node:crypto";
import type { PrismaClient } from "@/lib/generated/prisma/client";

/**
 * Brute-force protection of the password form, checked before a password
 * is verified. It sits on top of better-auth's request rate limiter, which
 * counts requests, not failures, and forgets a quiet attacker.
 *
 * - Per account, a delay curve instead of a hard lock: after 5 failures in
 *   15 minutes the next attempt waits 30 s after the last failure, and each
 *   further failure doubles the wait, up to 15 minutes. Attempts refused
 *   while waiting are not failures, so a guesser gets a few tries an hour.
 * - The owner is never held back on a browser that signed in to that
 *   account before: a successful sign-in leaves a signed, HttpOnly
 *   known-device cookie, and an attempt carrying it skips the per-account
 *   delay (so anyone can slow an account down for strangers, but cannot
 *   lock its owner out).
 * - Per address, 20 failures in 15 minutes lock the address, whatever the
 *   cookie (the address as resolved from trusted proxies only).
 */
const LOCKOUT_WINDOW_MS = 15 * 60_000;
const FREE_FAILURES_PER_ACCOUNT = 5;
const FIRST_DELAY_MS = 30_000;
const MAX_FAILURES_PER_ADDRESS = 20;
/** The known-device cookie lasts this long after the last sign-in on that browser. */
export const KNOWN_DEVICE_MAX_AGE_SECONDS = 180 * 86_400;

/** How long an account waits after its last failure, given its failures in the window. */
function accountDelayMs(failures: number): number {
  if (failures < FREE_FAILURES_PER_ACCOUNT) return 0;
  return Math.min(FIRST_DELAY_MS * 2 ** (failures - FREE_FAILURES_PER_ACCOUNT), LOCKOUT_WINDOW_MS);
}

/** The known-device cookie's value for an account: an HMAC only this portal can make. */
export function knownDeviceValue(secret: string, email: string): string {
  return createHmac("sha256", secret)
    .update(`known-device:${normaliseEmail(email)}`)
    .digest("base64url");
}

export function isKnownDevice(secret: string, email: string, value: string | null): boolean {
  if (!value) return false;
  const expected = Buffer.from(knownDeviceValue(secret, email));
  const given = Buffer.from(value);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Stands for "no address known" (a call without a request), so such failures still count. */
export const UNKNOWN_ADDRESS = "unknown";

export interface Lockout {
  /** Whole minutes until a sign-in may be tried again (at least 1). */
  minutes: number;
  by: "account" | "address";
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The lockout in force for this account or address, or null. */
export async function findLockout(params: {
  db: PrismaClient;
  email: string;
  address: string;
  /** The attempt carries this account's known-device cookie: no per-account delay. */
  knownDevice?: boolean;
  now?: Date;
}): Promise<Lockout | null> {
  const now = params.now ?? new Date();
  const since = new Date(now.getTime() - LOCKOUT_WINDOW_MS);
  const [byAccount, byAddress] = await Promise.all([
    params.knownDevice
      ? Promise.resolve([])
      : params.db.signInFailure.findMany({
          where: { email: normaliseEmail(params.email), at: { gt: since } },
          orderBy: { at: "desc" },
          take: 50,
          select: { at: true },
        }),
    params.db.signInFailure.findMany({
      where: { address: params.address, at: { gt: since } },
      orderBy: { at: "desc" },
      take: MAX_FAILURES_PER_ADDRESS,
      select: { at: true },
    }),
  ]);
  const last = byAccount[0];
  const delay = accountDelayMs(byAccount.length);
  const accountUntil = last && delay > 0 ? last.at.getTime() + delay : null;
  // The address lock lifts when the oldest of the last 20 failures leaves the window.
  const oldest = byAddress.length >= MAX_FAILURES_PER_ADDRESS ? byAddress.at(-1) : undefined;
  const addressUntil = oldest ? oldest.at.getTime() + LOCKOUT_WINDOW_MS : null;
  const minutes = (at: number) => Math.max(1, Math.ceil((at - now.getTime()) / 60_000));
  const future = (at: number | null): at is number => at !== null && at > now.getTime();
  if (future(accountUntil) && (!future(addressUntil) || accountUntil >= addressUntil)) {
    return { minutes: minutes(accountUntil), by: "account" };
  }
  if (future(addressUntil)) return { minutes: minutes(addressUntil), by: "address" };
  return null;
}

export function lockoutMessage(lockout: Lockout): string {
  return `too many failed sign-ins; try again in ${lockout.minutes} minute${lockout.minutes === 1 ? "" : "s"}`;
}

export async function recordSignInFailure(params: {
  db: PrismaClient;
  email: string;
  address: string;
}): Promise<void> {
  await params.db.signInFailure.create({
    data: { email: normaliseEmail(params.email), address: params.address },
  });
}

/** A successful sign-in clears the account's count (not the address's). */
export async function clearSignInFailures(params: {
  db: PrismaClient;
  email: string;
}): Promise<void> {
  await params.db.signInFailure.deleteMany({ where: { email: normaliseEmail(params.email) } });
}
