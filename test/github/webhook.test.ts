import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { GitHubEvent } from "@/lib/git/github/webhook";
import { MAX_WEBHOOK_BODY_BYTES, signBody } from "@/lib/git/github/webhook";
import { createTestDatabase, type TestDatabase } from "../support/db";

const handled = vi.hoisted((): GitHubEvent[] => []);
vi.mock("@/lib/promotion/github-events", () => ({
  handleGitHubEvent: async (event: GitHubEvent) => {
    handled.push(event);
  },
}));

const SECRET = "webhook-secret-for-tests";
const SHA = "a".repeat(40);
const saved: Record<string, string | undefined> = {};
let database: TestDatabase;
let POST: (request: Request, context: unknown) => Promise<Response>;

beforeAll(async () => {
  database = await createTestDatabase();
  const env = {
    DATABASE_URL: database.url,
    GANTRY_GITHUB_WEBHOOK_SECRET: SECRET,
    GANTRY_GITHUB_OWNER: "acme",
    GANTRY_GITHUB_REPO: "gitops",
  };
  for (const [name, value] of Object.entries(env)) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
  ({ POST } = await import("@/app/api/webhooks/github/route"));
});

afterAll(async () => {
  await globalThis.gantryDb?.$disconnect();
  globalThis.gantryDb = undefined;
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await database?.drop();
});

beforeEach(() => {
  handled.length = 0;
});

function pullRequestPayload(action = "closed") {
  return {
    action,
    number: 12,
    repository: { full_name: "acme/gitops", id: 1 },
    sender: { login: "bob" },
    pull_request: {
      number: 12,
      state: "closed",
      merged: true,
      merge_commit_sha: SHA,
      head: { ref: "gantry/promote/payments/prod/1.42.0", sha: "b".repeat(40) },
      base: { ref: "main", sha: "c".repeat(40) },
    },
  };
}

function delivery(params: {
  body: string;
  event?: string | null;
  id?: string | null;
  signature?: string | null;
}): Request {
  const headers = new Headers({ "content-type": "application/json" });
  const event = params.event === undefined ? "pull_request" : params.event;
  const id = params.id === undefined ? randomUUID() : params.id;
  const signature =
    params.signature === undefined ? signBody(SECRET, Buffer.from(params.body)) : params.signature;
  if (event !== null) headers.set("x-github-event", event);
  if (id !== null) headers.set("x-github-delivery", id);
  if (signature !== null) headers.set("x-hub-signature-256", signature);
  return new Request("http://gantry.test/api/webhooks/github", {
    method: "POST",
    headers,
    body: params.body,
  });
}

async function deliveries(): Promise<number> {
  return database.db.webhookDelivery.count();
}

describe("POST /api/webhooks/github", () => {
  it("accepts a correctly signed delivery and hands over the typed event", async () => {
    const id = randomUUID();
    const response = await POST(delivery({ body: JSON.stringify(pullRequestPayload()), id }), {});
    expect(response.status).toBe(202);
    expect(handled).toEqual([
      {
        type: "pull_request",
        action: "closed",
        repository: "acme/gitops",
        pullRequest: {
          number: 12,
          state: "closed",
          merged: true,
          mergeCommitSha: SHA,
          head: "gantry/promote/payments/prod/1.42.0",
          headSha: "b".repeat(40),
          base: "main",
        },
      },
    ]);
    expect(await database.db.webhookDelivery.findUnique({ where: { id } })).toMatchObject({
      event: "pull_request",
    });
  });

  it("types every event Gantry acts on", async () => {
    const payloads: Record<string, unknown> = {
      pull_request_review: {
        action: "submitted",
        repository: { full_name: "acme/gitops" },
        pull_request: { number: 3 },
        review: { id: 9, state: "approved", user: { login: "bob" }, commit_id: SHA },
      },
      push: {
        ref: "refs/heads/main",
        before: "0".repeat(40),
        after: SHA,
        repository: { full_name: "acme/gitops" },
        commits: [
          { id: SHA, added: ["apps/new/app.yaml"], modified: ["environments.yaml"], removed: [] },
        ],
      },
      check_suite: {
        action: "completed",
        repository: { full_name: "acme/gitops" },
        check_suite: { head_sha: SHA, status: "completed", conclusion: "success" },
      },
      status: {
        sha: SHA,
        state: "success",
        context: "ci/lint",
        target_url: null,
        repository: { full_name: "acme/gitops" },
      },
    };
    for (const [event, payload] of Object.entries(payloads)) {
      const response = await POST(delivery({ body: JSON.stringify(payload), event }), {});
      expect(response.status, event).toBe(202);
    }
    expect(handled.map((e) => e.type)).toEqual([
      "pull_request_review",
      "push",
      "check_suite",
      "status",
    ]);
    expect(handled[1]).toMatchObject({ changedPaths: ["apps/new/app.yaml", "environments.yaml"] });
  });

  it("acknowledges an event it does not act on (ping) without handing it over", async () => {
    const response = await POST(
      delivery({ body: JSON.stringify({ zen: "Keep it simple." }), event: "ping" }),
      {},
    );
    expect(response.status).toBe(202);
    expect(handled).toEqual([]);
  });

  it("ignores events about other repositories (an organisation-wide webhook)", async () => {
    const payload = { ...pullRequestPayload(), repository: { full_name: "acme/website" } };
    const response = await POST(delivery({ body: JSON.stringify(payload) }), {});
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ status: "ignored" });
    expect(handled).toEqual([]);
  });

  it("rejects a wrong or missing signature with 401 and stores nothing", async () => {
    const before = await deliveries();
    const body = JSON.stringify(pullRequestPayload());
    const wrongSecret = await POST(
      delivery({ body, signature: signBody("another-secret", body) }),
      {},
    );
    const tampered = await POST(
      delivery({ body: body.replace("closed", "opened"), signature: signBody(SECRET, body) }),
      {},
    );
    const missing = await POST(delivery({ body, signature: null }), {});
    const sha1 = await POST(delivery({ body, signature: `sha1=${"0".repeat(40)}` }), {});
    for (const response of [wrongSecret, tampered, missing, sha1]) {
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: "unauthenticated" } });
    }
    expect(handled).toEqual([]);
    expect(await deliveries()).toBe(before);
  });

  it("ignores a replayed delivery: 200, handled once", async () => {
    const id = randomUUID();
    const body = JSON.stringify(pullRequestPayload());
    const first = await POST(delivery({ body, id }), {});
    const replay = await POST(delivery({ body, id }), {});
    expect(first.status).toBe(202);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ status: "duplicate", delivery: id });
    expect(handled).toHaveLength(1);
  });

  it("refuses a 10 MB body with 413, whether or not it declares its length", async () => {
    const before = await deliveries();
    const big = `{"padding":"${"x".repeat(10 * 1024 * 1024)}"}`;
    const declared = await POST(delivery({ body: big }), {});
    expect(declared.status).toBe(413);

    // A chunked body with no Content-Length: the limit is on the bytes read.
    const chunk = new Uint8Array(64 * 1024).fill(120);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 10 * 1024 * 1024) controller.close();
        else {
          sent += chunk.byteLength;
          controller.enqueue(chunk);
        }
      },
    });
    const init: RequestInit & { duplex: "half" } = {
      method: "POST",
      headers: {
        "x-github-event": "push",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": signBody(SECRET, "whatever"),
      },
      body: stream,
      duplex: "half",
    };
    const streamed = await POST(new Request("http://gantry.test/api/webhooks/github", init), {});
    expect(streamed.status).toBe(413);
    // It stopped reading soon after the limit instead of draining 10 MB.
    expect(sent).toBeLessThan(MAX_WEBHOOK_BODY_BYTES + 3 * chunk.byteLength);
    expect(handled).toEqual([]);
    expect(await deliveries()).toBe(before);
  });

  it("never answers 500 to 1,000 malformed deliveries", async () => {
    const events = [
      "pull_request",
      "pull_request_review",
      "push",
      "check_suite",
      "status",
      "ping",
      "",
      "PUSH",
    ];
    const body = fc.oneof(
      fc.string(),
      fc.json(),
      fc.jsonValue().map((value) => JSON.stringify(value)),
      // Right shape, wrong details: the parser has to look closely.
      fc
        .record({
          action: fc.oneof(fc.string(), fc.integer()),
          number: fc.oneof(fc.integer(), fc.string()),
          repository: fc.oneof(
            fc.constant(null),
            fc.record({ full_name: fc.oneof(fc.string(), fc.integer()) }),
          ),
          pull_request: fc.oneof(
            fc.constant({}),
            fc.record({ number: fc.integer(), state: fc.string() }),
          ),
          sha: fc.oneof(fc.stringMatching(/^[0-9a-f]{40}$/), fc.string()),
          state: fc.string(),
          commits: fc.array(fc.anything(), { maxLength: 3 }),
        })
        .map((value) => JSON.stringify(value)),
      fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
    );
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom(...events),
        fc.oneof(fc.constant("valid"), fc.constant("missing"), fc.string()),
        fc.oneof(fc.uuid(), fc.string()),
        async (payload, event, signature, id) => {
          const request = delivery({
            body: payload,
            event,
            id,
            signature:
              signature === "valid" ? undefined : signature === "missing" ? null : signature,
          });
          const response = await POST(request, {});
          expect(response.status).toBeLessThan(500);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
