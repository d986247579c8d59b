import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isGantryError } from "@/lib/errors";
import type { GitHubProvider } from "@/lib/git/github/github-provider";
import type { ChangeWrite } from "@/lib/git/provider";
import type { FakeGitHub } from "./fake-github";
import { ALICE, providerFor, startFake, VALUES } from "./support";

/**
 * A change's branch, commit and pull request through GitHubProvider's
 * findChange (one GraphQL query) and writeChange (one GraphQL request of
 * mutations that GitHub runs in order, then the labels), on the fake GitHub,
 * which validates every document against GitHub's schema and runs a
 * mutation's fields one after another as GitHub does.
 */

let fake: FakeGitHub;
let token: string;
let github: GitHubProvider;
let main: string;

beforeEach(async () => {
  ({ fake, token } = await startFake());
  github = providerFor(fake, { type: "token", token });
  main = fake.refs.get("refs/heads/main") ?? "";
});

afterEach(async () => {
  try {
    expect(fake.problems).toEqual([]);
  } finally {
    await fake.close();
  }
});

const PATH = "apps/payments/envs/prod/values.yaml";
const NEW_VALUES = VALUES.replace("1.41.0", "1.42.0");

function change(branch: string, parts: Partial<ChangeWrite> = {}): ChangeWrite {
  return {
    branch,
    createFrom: main,
    commit: {
      parent: main,
      message: "Promote payments to 1.42.0 in prod\n\nBecause.",
      author: ALICE,
      files: [{ path: PATH, content: NEW_VALUES }],
    },
    pullRequest: {
      base: "main",
      title: "Promote payments 1.42.0 to prod",
      body: "The change.",
      labels: ["gantry", "env:prod"],
      author: ALICE,
    },
    ...parts,
  };
}

const newBranch = () => `gantry/promote/payments/prod-${randomBytes(3).toString("hex")}`;

/** What exists on the fake for `branch`: its commits beyond main, and its pull requests. */
function artefacts(branch: string) {
  const head = fake.refs.get(`refs/heads/${branch}`);
  let commits = 0;
  for (let sha = head; sha && sha !== main; sha = fake.commit(sha).parents[0]) commits++;
  return {
    branches: head ? 1 : 0,
    commits,
    pullRequests: fake.pulls.filter((p) => p.head === branch).length,
  };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (error: unknown) => error,
  );
}

describe("a change in one request of mutations", () => {
  it("finds nothing, then makes branch, commit and pull request in one request, in order", async () => {
    const branch = newBranch();
    expect(await github.findChange({ branch, base: "main" })).toEqual({
      head: null,
      pullRequest: null,
    });
    // The job reads the files from the plan's snapshot first.
    await github.readFiles({ ref: main, paths: [PATH] });
    const steps: string[] = [];
    github.resetApiCallCounts();
    const written = await github.writeChange({
      ...change(branch),
      afterStep: (step) => {
        steps.push(step);
      },
    });
    expect(steps).toEqual(["branch", "commit", "pull_request"]);
    expect(fake.graphqlMutations).toEqual([
      "createRef",
      "createCommitOnBranch",
      "createPullRequest",
    ]);
    expect(fake.graphqlMutationRequests).toBe(1);
    // The mutations' request, then the labels.
    expect(github.apiCallCounts().total).toBe(2);
    expect(artefacts(branch)).toEqual({ branches: 1, commits: 1, pullRequests: 1 });
    const head = fake.refs.get(`refs/heads/${branch}`);
    expect(written.commit).toBe(head);
    expect(fake.files(head ?? "").get(PATH)).toBe(NEW_VALUES);
    expect(written.pullRequest).toMatchObject({
      state: "open",
      head: branch,
      base: "main",
      headSha: head,
      labels: ["gantry", "env:prod"],
      authorLogin: "gantry-bot",
    });

    // Read back in one query: the branch's head and its pull request, as REST reads them.
    github.resetApiCallCounts();
    const found = await github.findChange({ branch, base: "main" });
    expect(github.apiCallCounts()).toMatchObject({ total: 1, writes: 0 });
    const rest = await github.findPullRequest({ head: branch, base: "main" });
    expect(found).toEqual({ head, pullRequest: rest });
  });

  it("commits on a branch that exists at the base: createRef is refused, the mutations after it still run", async () => {
    const branch = newBranch();
    await github.createBranch({ name: branch, from: main });
    const written = await github.writeChange(change(branch));
    expect(fake.graphqlMutations).toEqual([
      "createRef",
      "createCommitOnBranch",
      "createPullRequest",
    ]);
    expect(artefacts(branch)).toEqual({ branches: 1, commits: 1, pullRequests: 1 });
    expect(written.commit).toBe(fake.refs.get(`refs/heads/${branch}`));
  });

  it("refuses a branch that moved: nothing is committed over it", async () => {
    const branch = newBranch();
    await github.createBranch({ name: branch, from: main });
    const moved = fake.push({ branch, files: { "apps/payments/NOTES.md": "someone\n" } });
    const error = await failure(
      github.writeChange(change(branch, { createFrom: undefined, pullRequest: undefined })),
    );
    expect(isGantryError(error) && error.code).toBe("conflict");
    expect(fake.refs.get(`refs/heads/${branch}`)).toBe(moved);
  });

  it("a mutation GitHub fails mid-request is retryable, and the next run completes what is missing", async () => {
    const branch = newBranch();
    fake.failNextMutation = "createCommitOnBranch";
    const error = await failure(github.writeChange(change(branch)));
    expect(isGantryError(error) && error.code).toBe("unavailable");
    // The branch was made before the failed commit; the pull request after it was refused.
    expect(artefacts(branch)).toEqual({ branches: 1, commits: 0, pullRequests: 0 });

    const found = await github.findChange({ branch, base: "main" });
    expect(found).toEqual({ head: main, pullRequest: null });
    await github.writeChange(change(branch, { createFrom: undefined }));
    expect(artefacts(branch)).toEqual({ branches: 1, commits: 1, pullRequests: 1 });
  });

  it("an answer lost after GitHub ran the mutations: the next findChange sees all of them", async () => {
    const branch = newBranch();
    fake.inject({ kind: "lost", path: /graphql$/, body: /mutation/ });
    const error = await failure(github.writeChange(change(branch)));
    expect(isGantryError(error) && error.code).toBe("unavailable");
    expect(artefacts(branch)).toEqual({ branches: 1, commits: 1, pullRequests: 1 });
    const found = await github.findChange({ branch, base: "main" });
    expect(found.head).toBe(fake.refs.get(`refs/heads/${branch}`));
    expect(found.pullRequest).toMatchObject({ head: branch, state: "open" });
  });
});

describe("where GraphQL cannot serve, step by step through REST", () => {
  it("keeps an executable's mode: branch, Git Data commit and pull request through REST", async () => {
    main = fake.push({
      files: { "scripts/render.sh": { content: "#!/bin/sh\necho 1\n", mode: "100755" } },
    });
    const branch = newBranch();
    const written = await github.writeChange(
      change(branch, {
        createFrom: main,
        commit: {
          parent: main,
          message: "Render twice",
          author: ALICE,
          files: [{ path: "scripts/render.sh", content: "#!/bin/sh\necho 2\n" }],
        },
      }),
    );
    expect(fake.graphqlMutations).toEqual([]);
    const head = fake.refs.get(`refs/heads/${branch}`) ?? "";
    expect(written.commit).toBe(head);
    expect(fake.store.flatten(fake.commit(head).tree).get("scripts/render.sh")?.mode).toBe(
      "100755",
    );
    // Git Data keeps the person as the author.
    expect(fake.commit(head).author.name).toBe(ALICE.name);
    expect(written.pullRequest).toMatchObject({ head: branch, labels: ["gantry", "env:prod"] });
  });

  it("on a host without GraphQL (Enterprise Server answers 404), finds and writes through REST", async () => {
    fake.graphqlDisabled = true;
    const branch = newBranch();
    expect(await github.findChange({ branch, base: "main" })).toEqual({
      head: null,
      pullRequest: null,
    });
    const written = await github.writeChange(change(branch));
    expect(fake.graphqlMutations).toEqual([]);
    expect(artefacts(branch)).toEqual({ branches: 1, commits: 1, pullRequests: 1 });
    const found = await github.findChange({ branch, base: "main" });
    expect(found).toEqual({ head: written.commit, pullRequest: written.pullRequest });
  });
});
