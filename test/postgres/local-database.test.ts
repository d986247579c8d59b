import { describe, expect, it } from "vitest";
import { assertLocalDatabase, NonLocalDatabaseError } from "@/lib/postgres/local-url";
import { openTestDatabaseServer } from "../support/database-server";

describe("local database guard", () => {
  it.each([
    "postgresql://gantry:secret@localhost:5432/gantry",
    "postgresql://gantry:secret@127.0.0.1:54329/gantry",
    "postgres://gantry@127.8.9.10/gantry",
    "postgresql://gantry:secret@[::1]:5432/gantry",
    "postgresql://gantry@/gantry?host=/var/run/postgresql",
    "postgresql:///gantry",
  ])("accepts %s", (url) => {
    expect(() => assertLocalDatabase(url)).not.toThrow();
  });

  it.each([
    ["postgresql://gantry:secret@db.example.com:5432/gantry", "db.example.com"],
    ["postgresql://gantry:secret@10.0.4.7:5432/gantry", "10.0.4.7"],
    ["postgresql://gantry:secret@postgres:5432/gantry", "postgres"],
    ["postgresql://gantry:secret@localhost.example.com/gantry", "localhost.example.com"],
    ["postgresql://gantry:secret@localhost/gantry?host=db.internal", "db.internal"],
  ])("refuses %s, naming the host and not the password", (url, host) => {
    let caught: unknown;
    try {
      assertLocalDatabase(url);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NonLocalDatabaseError);
    expect(String(caught)).toContain(host);
    expect(String(caught)).not.toContain("secret");
  });

  it("the test harness refuses a non-local DATABASE_URL before connecting to it", async () => {
    await expect(
      openTestDatabaseServer({
        databaseUrl: "postgresql://gantry:secret@db.example.com:5432/gantry",
      }),
    ).rejects.toThrow(NonLocalDatabaseError);
  });
});
