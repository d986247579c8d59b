import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@/test/support/db";
import { measureMergeImportCalls } from "./merge-import-calls";

/**
 * The catalogue import after a one-app merge on GitHub costs the same few
 * requests whatever the fleet's size, and downloads no tarball. bench/github.ts
 * records the same figure at 1,000 applications (githubCallsPerMergeImport1000).
 */
describe("GitHub calls per merge import", () => {
  const databases: TestDatabase[] = [];
  afterEach(async () => {
    for (const { drop } of databases.splice(0)) await drop();
  });

  it.each([40, 400])(
    "is four requests and no download at %i applications",
    async (applications) => {
      const database = await createTestDatabase();
      databases.push(database);
      const report = await measureMergeImportCalls({ db: database.db, applications });
      expect(report.schemaProblems).toEqual([]);
      expect(report).toMatchObject({ mode: "incremental", appsUpdated: 1, downloads: 0 });
      expect(report.routes).toEqual([
        "GET /repos/{owner}/{repo}/commits/{ref}",
        "GET /repos/{owner}/{repo}/compare/{basehead}",
        "POST /graphql",
        "POST /graphql",
      ]);
    },
    180_000,
  );
});
