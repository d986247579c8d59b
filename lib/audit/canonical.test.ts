import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  auditEventHash,
  auditEventTemplate,
  GENESIS_HASH,
  type HashedAuditFields,
} from "@/lib/audit/canonical";

const EVENT: HashedAuditFields = {
  sequence: 41n,
  at: new Date("2026-12-03T22:13:56.789Z"),
  actorKind: "person",
  actorId: "user-1",
  actorName: 'Zoë "Z" Ångström \u2028 \\ tab\there',
  action: "promotion.pr_open",
  targetType: "promotion",
  targetId: "0d4f1d9e-7b0a-4a43-9a35-0a7a3c0b6d11",
  application: "payments-api",
  team: "payments",
  environment: "prod",
  promotionId: "0d4f1d9e-7b0a-4a43-9a35-0a7a3c0b6d11",
  cluster: null,
  outcome: "success",
  requestId: null,
  sourceAddress: "203.0.113.9",
  detail: {
    zeta: [1, 2.5, -3e-7, { b: null, a: "x" }],
    alpha: "控制\u0001字符 🚀",
    nested: { sequence: "not the chain's", previousHash: "nor this" },
  },
  previousHash: "ab".repeat(32),
};

/** What the database does with the template: fills in the two chain fields and hashes. */
function filled(event: HashedAuditFields): string {
  const { sequence, previousHash, ...rest } = event;
  const template = auditEventTemplate(rest);
  return `${template.beforePreviousHash}${previousHash}${template.beforeSequence}${sequence}${template.afterSequence}`;
}

describe("auditEventTemplate", () => {
  it("is the text auditEventHash hashes, with the previous hash and the sequence filled in", () => {
    for (const event of [
      EVENT,
      { ...EVENT, sequence: 1n, previousHash: GENESIS_HASH, detail: {} },
      { ...EVENT, sequence: 9_007_199_254_740_993n, actorId: null, detail: [] },
    ]) {
      const hash = createHash("sha256").update(filled(event), "utf8").digest("hex");
      expect(hash).toBe(auditEventHash(event));
    }
  });

  it("holds nothing of the chain: another previous hash or sequence gives another hash", () => {
    const other = { ...EVENT, sequence: 42n, previousHash: "cd".repeat(32) };
    const text = filled(other);
    expect(text).toContain(`"previousHash":"${"cd".repeat(32)}"`);
    expect(text).toContain('"sequence":"42"');
    expect(createHash("sha256").update(text, "utf8").digest("hex")).toBe(auditEventHash(other));
    expect(auditEventHash(other)).not.toBe(auditEventHash(EVENT));
  });
});
