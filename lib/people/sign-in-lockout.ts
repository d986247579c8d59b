import type { PrismaClient } from "@/lib/generated/prisma/client";

/**
 * Brute-force lockout of the password form, checked before a password is
 * verified: at most 5 failures per account and 20 per source address in
 * 15 minutes. It sits on top of better-auth's request rate limiter, which
 * counts requests, not failures, and forgets a quiet attacker.
 */
const LOCKOUT_WINDOW_MS = 15 * 60_000;
const MAX_FAILURES_PER_ACCOUNT = 5;
const MAX_FAILURES_PER_ADDRESS = 20;

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
  now?: Date;
}): Promise<Lockout | null> {
  const now = params.now ?? new Date();
  const since = new Date(now.getTime() - LOCKOUT_WINDOW_MS);
  const [byAccount, byAddress] = await Promise.all([
    params.db.signInFailure.findMany({
      where: { email: normaliseEmail(params.email), at: { gt: since } },
      orderBy: { at: "desc" },
      take: MAX_FAILURES_PER_ACCOUNT,
      select: { at: true },
    }),
    params.db.signInFailure.findMany({
      where: { address: params.address, at: { gt: since } },
      orderBy: { at: "desc" },
      take: MAX_FAILURES_PER_ADDRESS,
      select: { at: true },
    }),
  ]);
  const until = (failures: { at: Date }[], limit: number): number | null => {
    if (failures.length < limit) return null;
    // The lock lifts when the oldest of the last `limit` failures leaves the window.
    const oldest = failures[limit - 1];
    return oldest ? oldest.at.getTime() + LOCKOUT_WINDOW_MS : null;
  };
  const accountUntil = until(byAccount, MAX_FAILURES_PER_ACCOUNT);
  const addressUntil = until(byAddress, MAX_FAILURES_PER_ADDRESS);
  const minutes = (at: number) => Math.max(1, Math.ceil((at - now.getTime()) / 60_000));
  if (accountUntil !== null && (addressUntil === null || accountUntil >= addressUntil)) {
    return { minutes: minutes(accountUntil), by: "account" };
  }
  if (addressUntil !== null) return { minutes: minutes(addressUntil), by: "address" };
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
