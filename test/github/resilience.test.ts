import { generateKeyPairSync, randomBytes } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { GitHubProvider } from "@/lib/git/github/github-provider";
import type { FakeGitHub, RecordedRequest } from "./fake-github";
import { ALICE, providerFor, startFake, VALUES } from "./support";

const fakes: FakeGitHub[] = [];

async function setup(options: Parameters<typeof startFake>[0] = {}) {
  const started = await startFake(options);
  fakes.push(started.fake);
  return started;
}

afterEach(async () => {
  vi.useRealTimers();
  for (const fake of fakes.splice(0)) {
    await fake.close();
    expect(fake.problems).toEqual([]);
  }
});

/** One promotion commit on a fresh branch. */
async function promote(github: GitHubProvider) {
  const main = await github.resolveRef("main");
  const branch = `gantry/promote/payments/prod/${randomBytes(3).toString("hex")}`;
  await github.createBranch({ name: branch, from: main });
  return github.commitFiles({
    branch,
    parent: main,
    message: "Promote",
    author: ALICE,
    files: [
      { path: "apps/payments/envs/prod/values.yaml", content: VALUES.replace("1.41.0", "9.9.9") },
    ],
  });
}

function byRoute(requests: RecordedRequest[], route: string): RecordedRequest[] {
  return requests.filter((r) => r.route === route);
}

describe("rate limits (GitHub's pacing on)", () => {
  it.each([403, 429])(
    "waits out a secondary rate limit (%i, retry-after) before trying again",
    async (status) => {
      const { fake, token } = await setup();
      const github = providerFor(fake, { type: "token", token }, { throttling: true });
      fake.inject({
        kind: "secondary",
        status,
        method: "POST",
        path: /\/graphql$/,
        retryAfter: 1,
      });
      const sha = await promote(github);
      expect(fake.commit(sha).parents).toHaveLength(1);

      const blobs = byRoute(fake.requests, "POST /graphql");
      expect(blobs.map((r) => r.status)).toEqual([status, 200]);
      const [limited, retried] = blobs;
      // The retry came after the advertised retry-after, by the fake's own clock.
      expect((retried?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(1000);
      // And nothing else was written in between: the whole write queue waited.
      const writesBetween = fake.requests.filter(
        (r) => r.method !== "GET" && r.at > (limited?.at ?? 0) && r.at < (retried?.at ?? 0),
      );
      expect(writesBetween).toEqual([]);
    },
  );

  it("waits for x-ratelimit-reset when the primary limit is exhausted", async () => {
    const { fake, token } = await setup();
    const github = providerFor(fake, { type: "token", token }, { throttling: true });
    fake.inject({ kind: "primary", method: "GET", path: /\/commits\//, retryAfter: 1 });
    await github.resolveRef("main");
    const gets = byRoute(fake.requests, "GET /repos/{owner}/{repo}/commits/{ref}");
    expect(gets.map((r) => r.status)).toEqual([403, 200]);
    // x-ratelimit-reset is whole seconds; the client waits until after it.
    const reset = Math.ceil((gets[0]?.at ?? 0) / 1000) + 1;
    expect(gets[1]?.at ?? 0).toBeGreaterThanOrEqual(reset * 1000);
  });

  it("gives up with a rate_limited error after repeated limits, without hammering", async () => {
    const { fake, token } = await setup();
    const github = providerFor(
      fake,
      { type: "token", token },
      { throttling: true, rateLimitRetries: 1 },
    );
    fake.inject({
      kind: "secondary",
      method: "POST",
      path: /\/git\/refs$/,
      retryAfter: 1,
      times: 5,
    });
    const main = await github.resolveRef("main");
    await expect(github.createBranch({ name: "gantry/limited", from: main })).rejects.toMatchObject(
      {
        code: "rate_limited",
        system: "github",
      },
    );
    const attempts = byRoute(fake.requests, "POST /repos/{owner}/{repo}/git/refs");
    expect(attempts).toHaveLength(2);
    expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
  });
});

describe("server errors and timeouts", () => {
  it("retries a 5xx on a read, and reports a lasting one clearly", async () => {
    const { fake, token } = await setup();
    const github = providerFor(fake, { type: "token", token });
    fake.inject({ kind: "server", status: 502, method: "GET", path: /\/tarball\//, times: 1 });
    expect(await github.listTree({ ref: "main" })).toHaveLength(3);
    expect(
      byRoute(fake.requests, "GET /repos/{owner}/{repo}/tarball/{ref}").map((r) => r.status),
    ).toEqual([502, 302]);

    fake.inject({ kind: "server", status: 503, method: "GET", path: /\/pulls\/1$/, times: 10 });
    await expect(github.getPullRequest(1)).rejects.toMatchObject({
      code: "unavailable",
      message: expect.stringContaining("HTTP 503"),
    });
    // One try and three retries, then it stops.
    expect(byRoute(fake.requests, "GET /repos/{owner}/{repo}/pulls/{pull_number}")).toHaveLength(4);
  });

  it("does not repeat a comment whose answer was lost", async () => {
    const { fake, token } = await setup();
    const github = providerFor(fake, { type: "token", token });
    fake.push({ branch: "feature", files: { "a.txt": "a\n" } });
    const pull = await github.openPullRequest({
      head: "feature",
      base: "main",
      title: "t",
      body: "",
      labels: [],
      author: ALICE,
    });
    fake.inject({ kind: "server", status: 502, method: "POST", path: /\/comments$/ });
    await expect(
      github.addComment({ number: pull.number, body: "hello", author: ALICE }),
    ).rejects.toMatchObject({
      code: "unavailable",
    });
    expect(
      byRoute(fake.requests, "POST /repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ).toHaveLength(1);
  });

  it("times out a request that gets no answer", async () => {
    const { fake, token } = await setup();
    const github = providerFor(fake, { type: "token", token }, { timeoutMs: 300 });
    fake.inject({ kind: "hang", method: "GET", path: /\/git\/ref\//, times: 10 });
    await expect(github.getBranch("main")).rejects.toMatchObject({
      code: "unavailable",
      message: expect.stringContaining("in time"),
    });
  });
});

describe("credentials", () => {
  it("never puts the token in an error", async () => {
    const { fake } = await setup();
    const secret = `ghp_${randomBytes(16).toString("hex")}`;
    const github = providerFor(fake, { type: "token", token: secret });
    const error = await github.resolveRef("main").then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: "unavailable",
      message: expect.stringContaining("credentials"),
    });
    const everything = JSON.stringify(error, Object.getOwnPropertyNames(error)) + String(error);
    expect(everything).not.toContain(secret);
    expect(fake.requests[0]?.authorization).toBe(`token ${secret}`);
  });

  it("authenticates as a GitHub App installation and replaces the token before it expires", async () => {
    const { publicKey, privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    const { fake } = await setup({
      app: { id: 4711, publicKey, installationId: 99, tokenLifetimeSeconds: 3600 },
    });
    const github = providerFor(fake, {
      type: "app",
      appId: "4711",
      privateKey,
      installationId: 99,
    });

    await github.resolveRef("main");
    await github.listTree({ ref: "main" });
    const tokenRoute = "POST /app/installations/{installation_id}/access_tokens";
    const tokenRequests = byRoute(fake.requests, tokenRoute);
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]?.authorization).toMatch(/^bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    const [first] = [...fake.installationTokens.keys()];
    const apiCalls = fake.requests.filter(
      (r) => r.route !== tokenRoute && !r.route?.startsWith("GET codeload"),
    );
    expect(apiCalls.every((r) => r.authorization === `token ${first}`)).toBe(true);

    // An hour later the first token has expired (at GitHub too): a new one is fetched.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 3_600_000 });
    await github.resolveRef("main");
    expect(byRoute(fake.requests, tokenRoute)).toHaveLength(2);
    const second = [...fake.installationTokens.keys()][1];
    expect(second).toBeDefined();
    expect(fake.requests.at(-1)?.authorization).toBe(`token ${second}`);
    expect(fake.requests.filter((r) => r.status === 401)).toEqual([]);
  });

  it("refuses a JWT signed with another key", async () => {
    const pair = () =>
      generateKeyPairSync("rsa", {
        modulusLength: 2048,
        publicKeyEncoding: { type: "spki", format: "pem" },
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
      });
    const app = pair();
    const stranger = pair();
    const { fake } = await setup({ app: { id: 1, publicKey: app.publicKey, installationId: 5 } });
    const github = providerFor(fake, {
      type: "app",
      appId: "1",
      privateKey: stranger.privateKey,
      installationId: 5,
    });
    await expect(github.resolveRef("main")).rejects.toMatchObject({ system: "github" });
    expect(fake.installationTokens.size).toBe(0);
  });
});

describe("the fake's schema check", () => {
  it("rejects an answer GitHub would never send", async () => {
    const { fake } = await setup();
    expect(
      fake.checkAnswer("GET /repos/{owner}/{repo}/pulls/{pull_number}", 200, { number: 1 }),
    ).not.toEqual([]);
    expect(fake.checkAnswer("GET /repos/{owner}/{repo}/pulls/{pull_number}", 418, {})).toEqual([
      "GET /repos/{owner}/{repo}/pulls/{pull_number} does not document status 418",
    ]);
  });
});
