import { describe, expect, it } from "vitest";
import { measureGitHubCalls } from "./github-calls";

/**
 * The GitHub call budget of the issue of scale, held as counts (never
 * timings): a cold import in at most 10 calls whatever the fleet's size, a
 * promotion's branch + commit + pull request in at most 4 writes, and a
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

    // getBranch, createBranch, one createCommitOnBranch, findPullRequest, pull request, labels;
    // the values file was read with the import's snapshot.
    expect(report.pullRequest).toMatchObject({ requests: 6, apiCalls: 6, writes: 4 });
    expect(report.pullRequest.byOperation.commitFiles).toBe(1);
    expect(report.pullRequest.byOperation.readFiles).toBeUndefined();

    expect(report.train.filesChanged).toBe(400);
    expect(report.train).toMatchObject({ requests: 6, apiCalls: 6, writes: 4 });
  }, 120_000);

  it("costs the same calls for a fleet ten times smaller", async () => {
    const report = await measureGitHubCalls({ applications: 40, trainApplications: 40 });
    expect(report.coldImport.requests).toBe(3);
    expect(report.train.requests).toBe(6);
  }, 120_000);
});
