import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { signBody } from "@/lib/git/github/webhook";
import { startEmbeddedPostgres } from "@/lib/postgres/embedded";
import { appFiles, CHART_YAML, ENVIRONMENTS_YAML } from "../test/catalogue/gitops-fixture";
import { FakeGitHub } from "../test/github/fake-github";
import { e2eDataDir, signIn } from "./support/auth";
import { e2ePorts, holdFreePorts } from "./support/ports";

/**
 * Gantry as N identical replicas behind a load balancer: two production
 * portals (`scripts/start.ts` on the built bundle, as `npm start` and the
 * image run it) on one Postgres database, with one GitHub (the fake, an HTTP
 * server checked against GitHub's OpenAPI description) and one data volume.
 * Requests, promotions and webhook deliveries alternate between them; each
 * promotion gets exactly one pull request, each job runs once, a session
 * made on one replica is valid on the other, and live updates reach the
 * event streams of both.
 */

const root = path.resolve(import.meta.dirname, "..");
const OWNER = "acme";
const REPO = "gitops";
const APPS = ["ledger", "billing", "search", "profile"] as const;
const ADMIN = {
  email: "admin@gantry.local",
  password: `replicas-${randomBytes(12).toString("hex")}`,
};
const WEBHOOK_SECRET = randomBytes(16).toString("hex");

interface Replica {
  name: string;
  url: string;
  process: ChildProcess;
  output: string[];
}

let fake: FakeGitHub;
let replicas: Replica[] = [];
let dataDir: string;
let cookie = "";

function startReplica(params: {
  name: string;
  port: number;
  publicUrl: string;
  databaseUrl: string;
  authSecret: string;
  githubToken: string;
}): Replica {
  const output: string[] = [];
  // Node itself, not the tsx CLI, as playwright.config.ts starts the e2e portal.
  const child = spawn(
    path.join(root, "node_modules", ".bin", "node"),
    ["--import", "tsx", "scripts/start.ts"],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        NODE_ENV: "production",
        PORT: String(params.port),
        GANTRY_HOST: "127.0.0.1",
        GANTRY_PUBLIC_URL: params.publicUrl,
        GANTRY_DATA_DIR: dataDir,
        DATABASE_URL: params.databaseUrl,
        GANTRY_AUTH_SECRET: params.authSecret,
        GANTRY_ADMIN_EMAIL: ADMIN.email,
        GANTRY_ADMIN_PASSWORD: ADMIN.password,
        GANTRY_GIT_PROVIDER: "github",
        GANTRY_GITHUB_API_URL: fake.apiUrl,
        GANTRY_GITHUB_OWNER: OWNER,
        GANTRY_GITHUB_REPO: REPO,
        GANTRY_GITHUB_TOKEN: params.githubToken,
        GANTRY_GITHUB_WEBHOOK_SECRET: WEBHOOK_SECRET,
        GANTRY_DEMO_SEED: "false",
        GANTRY_LOG_LEVEL: "warn",
      },
    },
  );
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return { name: params.name, url: `http://127.0.0.1:${params.port}`, process: child, output };
}

async function ready(replica: Replica): Promise<void> {
  await expect
    .poll(
      async () => {
        if (replica.process.exitCode !== null) {
          throw new Error(
            `${replica.name} exited (${replica.process.exitCode}):\n${replica.output.join("")}`,
          );
        }
        return fetch(`${replica.url}/api/ready`).then(
          (response) => response.status,
          () => 0,
        );
      },
      { timeout: 240_000, intervals: [500, 1_000] },
    )
    .toBe(200);
}

async function stopReplica(replica: Replica): Promise<void> {
  if (replica.process.exitCode !== null) return;
  const exited = new Promise((resolve) => replica.process.once("exit", resolve));
  replica.process.kill("SIGTERM");
  await exited;
}

/** A JSON call as a signed-in browser page makes it (session cookie, its own origin). */
async function call(replica: Replica, method: string, route: string, body?: unknown) {
  const response = await fetch(`${replica.url}${route}`, {
    method,
    headers: {
      cookie,
      origin: replica.url,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`${method} ${route} on ${replica.name}: ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** The live event stream of one replica, as the browser's EventSource reads it. */
async function openEventStream(replica: Replica) {
  const abort = new AbortController();
  const response = await fetch(`${replica.url}/api/v1/events`, {
    headers: { cookie, accept: "text/event-stream" },
    signal: abort.signal,
  });
  expect(response.status).toBe(200);
  const promotions = new Set<string>();
  const reader = response.body?.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  const reading = (async () => {
    for (;;) {
      const chunk = await reader?.read().catch(() => ({ done: true as const, value: undefined }));
      if (!chunk || chunk.done) return;
      buffer += chunk.value;
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = /^data: (.*)$/m.exec(message)?.[1];
        if (/^event: change$/m.test(message) && data) {
          const event = JSON.parse(data) as { kind: string; promotionId?: string };
          if (event.kind === "promotion" && event.promotionId) promotions.add(event.promotionId);
        }
        end = buffer.indexOf("\n\n");
      }
    }
  })();
  return {
    promotions,
    async close() {
      abort.abort();
      await reading;
    },
  };
}

type PromotionView = {
  state: string;
  prNumber: number | null;
  events: { toState: string; fromState: string | null }[];
};

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(420_000);
  const token = `ghp_${randomBytes(16).toString("hex")}`;
  fake = await FakeGitHub.start({
    owner: OWNER,
    repo: REPO,
    tokens: { [token]: "gantry-bot" },
  });
  // The fleet the GitHub provider tests import: the convention, three environments.
  const files: Record<string, string> = {
    "environments.yaml": ENVIRONMENTS_YAML,
    "charts/web-service/Chart.yaml": CHART_YAML,
  };
  for (const app of APPS) {
    Object.assign(
      files,
      appFiles(app, "payments", { dev: "1.1.0", staging: "1.1.0", prod: "1.0.0" }),
    );
  }
  fake.push({ message: "Seed the GitOps repository", files });
  // The fake checks its first answers against GitHub's whole OpenAPI description, which takes
  // a while on a busy machine: done now, so the replicas' first calls are answered at once.
  const warm = await fetch(`${fake.apiUrl}/repos/${OWNER}/${REPO}/commits/main?per_page=1`, {
    headers: { authorization: `token ${token}` },
  });
  expect(warm.status).toBe(200);

  // A database of their own on the e2e portal's Postgres: the replicas share it and nothing else.
  const database = await startEmbeddedPostgres({
    dataDir: e2eDataDir,
    port: e2ePorts().postgresPort,
    database: `replicas_${randomBytes(4).toString("hex")}`,
  });
  // One data volume for both, as a shared volume would be (each keeps its own GitHub cache in it).
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-replicas-"));
  const ports = await holdFreePorts(2);
  const authSecret = randomBytes(32).toString("base64url");
  replicas = ports.map((port, index) =>
    startReplica({
      name: `replica ${"AB"[index]}`,
      port,
      // Both answer for the load balancer's address; here, the first replica's.
      publicUrl: `http://127.0.0.1:${ports[0]}`,
      databaseUrl: database.url,
      authSecret,
      githubToken: token,
    }),
  );
  // Started together on an empty database: migrations, the first admin and the import race.
  await Promise.all(replicas.map(ready));
});

test.afterAll(async () => {
  await Promise.all(replicas.map(stopReplica));
  await fake?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

test("a session made on one replica is valid on the other", async ({ page, context }) => {
  test.setTimeout(180_000);
  const [a, b] = replicas;
  if (!a || !b) throw new Error("two replicas expected");
  await signIn(page, ADMIN, a.url);
  // Cookies are per host, not per port: the browser sends the same session to the other replica.
  await page.goto(`${b.url}/promotions`);
  await expect(page).toHaveURL(`${b.url}/promotions`);
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  const session = (await context.cookies(b.url)).filter((c) => c.name.includes("session"));
  expect(session).not.toHaveLength(0);
  cookie = session.map((c) => `${c.name}=${c.value}`).join("; ");
  for (const replica of replicas) {
    expect((await call(replica, "GET", "/api/v1/promotions")).items).toBeDefined();
  }
});

test("promotions and webhooks on either replica: one pull request each, jobs once, live updates on both", async () => {
  test.setTimeout(240_000);
  const streams = await Promise.all(replicas.map(openEventStream));
  const at = (index: number) => {
    const replica = replicas[index % replicas.length];
    if (!replica) throw new Error("no replica");
    return replica;
  };

  const ids: string[] = [];
  for (const [index, app] of APPS.entries()) {
    const result = await call(at(index), "POST", "/api/v1/promotions", {
      app,
      environment: "prod",
      reason: `replica test: ${app} to prod`,
    });
    const promotion = result.promotion as { id: string };
    ids.push(promotion.id);
  }

  const view = (id: string, index: number) =>
    call(at(index + 1), "GET", `/api/v1/promotions/${id}`) as Promise<PromotionView>;
  for (const [index, id] of ids.entries()) {
    await expect
      .poll(async () => (await view(id, index)).state, { timeout: 120_000 })
      .toBe("pr_open");
  }

  // Exactly one pull request per promotion, each from a branch of its own (pull requests are
  // opened through GraphQL's createPullRequest, so the fake's store is what counts them).
  expect(fake.pulls).toHaveLength(APPS.length);
  expect(new Set(fake.pulls.map((pull) => pull.head)).size).toBe(APPS.length);
  const numbers: number[] = [];
  for (const [index, id] of ids.entries()) {
    const promotion = await view(id, index);
    expect(promotion.events.filter((e) => e.toState === "pr_open")).toHaveLength(1);
    if (promotion.prNumber === null) throw new Error(`promotion ${id} has no pull request`);
    numbers.push(promotion.prNumber);
  }
  expect(new Set(numbers).size).toBe(APPS.length);

  // Merged on GitHub; the deliveries alternate between the replicas, and the first is delivered twice.
  const reviewer = `ghp_${randomBytes(16).toString("hex")}`;
  fake.addToken(reviewer, "carol");
  for (const [index, number] of numbers.entries()) {
    const merge = await fetch(`${fake.apiUrl}/repos/${OWNER}/${REPO}/pulls/${number}/merge`, {
      method: "PUT",
      headers: { authorization: `token ${reviewer}`, "content-type": "application/json" },
      body: JSON.stringify({ merge_method: "merge" }),
    });
    expect(merge.status).toBe(200);
    const pull = fake.pulls.find((p) => p.number === number);
    if (!pull?.mergeCommitSha) throw new Error(`pull request ${number} was not merged`);
    const body = JSON.stringify({
      action: "closed",
      number,
      repository: { full_name: `${OWNER}/${REPO}`, id: 1 },
      sender: { login: "carol" },
      pull_request: {
        number,
        state: "closed",
        merged: true,
        merge_commit_sha: pull.mergeCommitSha,
        head: {
          ref: pull.head,
          sha: fake.refs.get(`refs/heads/${pull.head}`) ?? pull.mergeCommitSha,
        },
        base: { ref: pull.base, sha: pull.mergeCommitSha },
      },
    });
    const delivery = randomUUID();
    const targets = index === 0 ? [at(0), at(1)] : [at(index)];
    for (const replica of targets) {
      const answer = await fetch(`${replica.url}/api/webhooks/github`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "pull_request",
          "x-github-delivery": delivery,
          "x-hub-signature-256": signBody(WEBHOOK_SECRET, body),
        },
        body,
      });
      expect(answer.status, await answer.text()).toBeLessThan(300);
    }
  }
  for (const [index, id] of ids.entries()) {
    await expect
      .poll(async () => (await view(id, index)).events.some((e) => e.toState === "merged"), {
        timeout: 120_000,
      })
      .toBe(true);
  }
  for (const [index, id] of ids.entries()) {
    const promotion = await view(id, index);
    expect(promotion.events.filter((e) => e.toState === "merged")).toHaveLength(1);
    expect(promotion.events.filter((e) => e.toState === "pr_open")).toHaveLength(1);
  }
  expect(fake.pulls).toHaveLength(APPS.length);

  // Each replica's event stream heard about every promotion, whichever replica changed it.
  for (const stream of streams) {
    await expect.poll(() => ids.filter((id) => !stream.promotions.has(id))).toEqual([]);
  }
  await Promise.all(streams.map((stream) => stream.close()));
  expect(fake.problems).toEqual([]);
});
