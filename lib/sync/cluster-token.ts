import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Cluster tokens: `gantry_cluster_<43 base64url characters>` (256 random
 * bits), the bearer token an in-cluster agent sends with its status reports.
 * Shown once when issued; only the SHA-256 is stored (Cluster.tokenHash).
 */

const TOKEN_PREFIX = "gantry_cluster_";
export const CLUSTER_TOKEN_PATTERN = /^gantry_cluster_[A-Za-z0-9_-]{43}$/;

export function generateClusterToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
}

export function hashClusterToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Compares two hex SHA-256 digests in constant time. */
export function sameTokenHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === 32 && right.length === 32 && timingSafeEqual(left, right);
}
