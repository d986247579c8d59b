import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/test/support/db";

/**
 * An interactive transaction is one connection. Prisma sends a query's
 * relation reads, and code its `Promise.all`, at once; pg queues them on
 * that connection and, from the second one waiting, prints a
 * DeprecationWarning (an error from pg 9 on). lib/db.ts sends a
 * transaction's queries one after the other instead.
 */
describe("queries sent at once inside a transaction", () => {
  let database: TestDatabase;
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  beforeAll(async () => {
    database = await createTestDatabase();
    process.on("warning", onWarning);
  });
  afterAll(async () => {
    process.off("warning", onWarning);
    await database?.drop();
  });

  it("run one after the other, with their results, and pg has nothing to warn about", async () => {
    await database.db.team.create({
      data: {
        slug: "payments",
        name: "Payments",
        applications: {
          create: {
            slug: "payments-api",
            name: "Payments API",
            chart: "web",
            lastCommit: "0".repeat(40),
          },
        },
      },
    });
    const [teams, users, one] = await database.db.$transaction(async (tx) =>
      Promise.all([
        // One query whose relations Prisma reads at once.
        tx.team.findMany({
          include: {
            applications: {
              include: {
                labels: true,
                targets: true,
                releases: true,
                promotions: true,
                syncStatuses: true,
              },
            },
          },
        }),
        tx.user.count(),
        tx.$queryRaw<{ one: number }[]>`SELECT 1 AS one`,
      ]),
    );
    expect(teams.map((team) => team.applications.map((app) => app.slug))).toEqual([
      ["payments-api"],
    ]);
    expect(users).toBe(0);
    expect(one).toEqual([{ one: 1 }]);
    // A failed query inside still rolls the whole transaction back.
    await expect(
      database.db.$transaction(async (tx) =>
        Promise.all([
          tx.team.create({ data: { slug: "rolled-back", name: "Rolled back" } }),
          tx.$queryRaw`SELECT 1 / 0`,
          tx.user.count(),
        ]),
      ),
    ).rejects.toThrow();
    expect(await database.db.team.count({ where: { slug: "rolled-back" } })).toBe(0);
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(warnings).toEqual([]);
  });
});
