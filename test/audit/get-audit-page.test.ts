import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getAuditPage } from "@/lib/audit/get-audit-page";
import { createTestDatabase, type TestDatabase } from "@/test/support/db";
import { AUDITOR, appendEvents, VIEWER } from "./support";

describe("the audit page's view model", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
    await appendEvents(
      database.db,
      Array.from({ length: 5 }, (_, i) => ({
        at: new Date(Date.UTC(2026, 10, 1) + i * 3_600_000),
        application: i % 2 === 0 ? "payments" : "search",
        action: "promotion.planned",
      })),
    );
  });
  afterAll(async () => {
    await database.drop();
  });

  it("shows a filter it cannot read back in the form, with each problem naming its field", async () => {
    const view = await getAuditPage({
      db: database.db,
      principal: AUDITOR,
      searchParams: { app: "payments", from: "not a date" },
    });
    expect(view.ok).toBe(false);
    expect(view.values).toEqual({ app: "payments", from: "not a date" });
    if (view.ok) return;
    expect(view.errors.join(" ")).toMatch(/^from/);
  });

  it("lists the filtered events and pages by cursor, keeping the filter in every link", async () => {
    const view = await getAuditPage({
      db: database.db,
      principal: AUDITOR,
      searchParams: { app: "payments", limit: "2" },
    });
    if (!view.ok) throw new Error(view.errors.join("; "));
    expect(view.events.map((event) => event.application)).toEqual(["payments", "payments"]);
    expect(view.filterQuery).toBe("app=payments");
    expect(view.newerHref).toBeNull();
    expect(view.newestHref).toBeNull();
    expect(view.olderHref).toMatch(/^\/audit\?app=payments&before=\d+&limit=2$/);
  });

  it("offers export and verification only to those who may", async () => {
    const admin = await getAuditPage({ db: database.db, principal: AUDITOR, searchParams: {} });
    expect(admin).toMatchObject({ mayExport: true, mayVerify: true });
    const viewer = await getAuditPage({ db: database.db, principal: VIEWER, searchParams: {} });
    expect(viewer).toMatchObject({ mayVerify: false });
  });
});
