import { describe, expect, it } from "vitest";
import { measureGitHubCalls } from "./github-calls";

/**
 * The GitHub call budget of the issue of scale, held as counts (never
 * timings): a cold import in at most 10 calls whatever the fleet's size, a
 * promotion's branch + commit + pull request in at most 4 calls, and a
 * 400-app train in at most 10 calls. bench/github.ts records the same
 * figures at 1,000 applications.
 */
describe("GitHub calls", () => {
  it("imports, promotes and opens a 400-app train in a bounded number of calls", async () => {
    const report = await measureGitHubCalls({ applications: 400, trainApplications: 400 });
    expect(report.schemaProblems).toEqual([]);
    expect(report.coldImport.applicationsRead).toBe(400);
    // resolve main, the tarball's API call and its codeload download
    expect(report.coldImport).toMatchObject({ requests: 3, apiCalls: 2, writes: 0 });

    // One GraphQL query (does the branch exist, has it a pull request), one GraphQL request
    // carrying createRef, createCommitOnBranch and createPullRequest, and the labels (REST);
    // the values file was read with the import's snapshot.
    expect(report.pullRequest).toMatchObject({
      requests: 3,
      apiCalls: 3,
      writes: 4,
      mutationRequests: 1,
    });
    expect(report.pullRequest.byOperation).toEqual({ findChange: 1, writeChange: 2 });

    expect(report.train.filesChanged).toBe(400);
    expect(report.train).toMatchObject({ requests: 3, apiCalls: 3, writes: 4 });
  }, 120_000);

  it("costs the same calls for a fleet ten times smaller", async () => {
    const report = await measureGitHubCalls({ applications: 40, trainApplications: 40 });
    expect(report.coldImport.requests).toBe(3);
    expect(report.train.requests).toBe(3);
  }, 120_000);
});
