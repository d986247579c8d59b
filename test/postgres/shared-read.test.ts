import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { latestImportId } from "@/lib/catalogue/list-applications";
import { type Db, databaseStatementsSent, sharedRead } from "@/lib/db";
import { createTestDatabase } from "@/test/support/db";

describe("sharedRead: callers at the same moment share one query", () => {
  let db: Db;
  let other: Db;
  let drops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const first = await createTestDatabase();
    const second = await createTestDatabase();
    db = first.db;
    other = second.db;
    drops = [first.drop, second.drop];
  });
  afterAll(async () => {
    for (const drop of drops) await drop();
  });

  const succeededImport = (client: Db) =>
    client.catalogImport.create({
      data: { repository: "gitops", ref: "main", status: "succeeded", trigger: "test" },
      select: { id: true },
    });

  it("sends one statement for eight callers at once, and each gets the answer", async () => {
    const { id } = await succeededImport(db);
    const before = databaseStatementsSent();
    const answers = await Promise.all(Array.from({ length: 8 }, () => latestImportId(db)));
    expect(databaseStatementsSent() - before).toBe(1);
    expect(answers).toEqual(Array.from({ length: 8 }, () => id));
  });

  it("keeps nothing once answered: the next caller sees what committed since", async () => {
    await succeededImport(db);
    const earlier = await latestImportId(db);
    // startedAt has millisecond precision: the next import must start later.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const { id: later } = await succeededImport(db);
    expect(later).not.toBe(earlier);
    expect(await latestImportId(db)).toBe(later);
  });

  it("never shares across clients (databases)", async () => {
    const { id: mine } = await succeededImport(db);
    const { id: theirs } = await succeededImport(other);
    const [a, b] = await Promise.all([latestImportId(db), latestImportId(other)]);
    expect([a, b]).toEqual([mine, theirs]);
  });

  it("gives a failure to every caller that shared it, then reads again", async () => {
    let reads = 0;
    const failing = () =>
      sharedRead(db, "shared-read-test", async () => {
        reads++;
        await new Promise((resolve) => setTimeout(resolve, 5));
        throw new Error("the database went away");
      });
    const results = await Promise.allSettled([failing(), failing(), failing()]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected", "rejected"]);
    expect(reads).toBe(1);
    await expect(failing()).rejects.toThrow("the database went away");
    expect(reads).toBe(2);
  });
});
