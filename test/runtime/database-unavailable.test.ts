import { describe, expect, it } from "vitest";
import { createDbClient } from "@/lib/db";
import { errorResponse } from "@/lib/http/route";
import { freePort } from "../support/free-port";

/** While Postgres is down, API answers say so with 503 naming the database, not a 500. */
describe("API answers while the database is down", () => {
  it("answers 503 naming the database for a query that cannot reach it", async () => {
    const db = createDbClient(`postgresql://gantry:x@127.0.0.1:${await freePort()}/gantry`);
    try {
      const failure = await db.application.findFirst().then(
        () => undefined,
        (error: unknown) => error,
      );
      const response = errorResponse(failure);
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("5");
      expect(await response.json()).toMatchObject({
        error: { code: "unavailable", details: { failing: ["database"] } },
      });

      const raw = await db.$queryRaw`SELECT 1`.then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(errorResponse(raw).status).toBe(503);
    } finally {
      await db.$disconnect();
    }
  });

  it("still answers 500 for anything else", () => {
    expect(errorResponse(new Error("a bug")).status).toBe(500);
  });
});
