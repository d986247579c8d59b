import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";

/**
 * GitHub webhook deliveries: the raw body read with a size limit, the
 * `X-Hub-Signature-256` HMAC checked in constant time, and the payload parsed
 * into the few typed events Gantry acts on. Nothing here trusts a header or
 * a payload before the signature over the exact bytes has been checked.
 */

/** GitHub caps payloads at 25 MB (a large push comes close); anything larger is not GitHub's. */
export const MAX_WEBHOOK_BODY_BYTES = 25 * 1024 * 1024;

const DELIVERY_ID = /^[A-Za-z0-9-]{1,100}$/;
/**
 * GitHub's event names are lower-case words joined by underscores, some with
 * digits (`projects_v2_item`); new ones appear without notice, so any name
 * of that shape is accepted and the ones Gantry does not use are ignored.
 */
const EVENT_NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const SIGNATURE = /^sha256=([0-9a-f]{64})$/;

const sha = z.string().regex(/^[0-9a-f]{40}$/);
const repository = z.object({ full_name: z.string().max(300) });
const login = z.object({ login: z.string().max(100) }).nullable();

const pullRequestEvent = z.object({
  action: z.string().max(100),
  number: z.number().int().positive(),
  repository,
  pull_request: z.object({
    number: z.number().int().positive(),
    state: z.enum(["open", "closed"]),
    merged: z.boolean().nullable().optional(),
    merge_commit_sha: sha.nullable().optional(),
    head: z.object({ ref: z.string().max(500), sha }),
    base: z.object({ ref: z.string().max(500) }),
  }),
});

const pullRequestReviewEvent = z.object({
  action: z.string().max(100),
  repository,
  pull_request: z.object({ number: z.number().int().positive() }),
  review: z.object({
    id: z.number().int(),
    state: z.string().max(50),
    user: login,
    commit_id: sha.nullable().optional(),
    body: z.string().max(65_536).nullable().optional(),
    submitted_at: z.string().max(100).nullable().optional(),
  }),
});

// The pushed commits' file lists are not read: the import reads the branch itself.
const pushEvent = z.object({
  ref: z.string().max(500),
  before: sha,
  after: sha,
  repository,
});

const checkSuiteEvent = z.object({
  action: z.string().max(100),
  repository,
  check_suite: z.object({
    head_sha: sha,
    status: z.string().max(50).nullable(),
    conclusion: z.string().max(50).nullable(),
  }),
});

const statusEvent = z.object({
  sha,
  state: z.enum(["pending", "success", "failure", "error"]),
  context: z.string().max(500),
  target_url: z.string().max(2000).nullable().optional(),
  repository,
});

export type GitHubEvent =
  | {
      type: "pull_request";
      action: string;
      repository: string;
      pullRequest: {
        number: number;
        state: "open" | "closed";
        merged: boolean;
        mergeCommitSha: string | null;
        head: string;
        headSha: string;
        base: string;
      };
    }
  | {
      type: "pull_request_review";
      action: string;
      repository: string;
      pullRequestNumber: number;
      review: {
        id: number;
        state: string;
        reviewer: string | null;
        commitSha: string | null;
        body?: string;
        submittedAt?: string | null;
      };
    }
  | {
      type: "push";
      repository: string;
      ref: string;
      before: string;
      after: string;
    }
  | {
      type: "check_suite";
      action: string;
      repository: string;
      headSha: string;
      status: string | null;
      conclusion: string | null;
    }
  | {
      type: "status";
      repository: string;
      sha: string;
      state: "pending" | "success" | "failure" | "error";
      context: string;
      targetUrl: string | null;
    };

/**
 * Reads at most `maxBytes` of a request body from the stream itself
 * (Content-Length is a claim, not a limit); null when there is more.
 */
async function readBodyWithLimit(request: Request, maxBytes: number): Promise<Buffer | null> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await request.body?.cancel().catch(() => undefined);
    return null;
  }
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Is `header` GitHub's `sha256=<hex>` HMAC of `body` under `secret`? Constant time in the digest. */
function verifySignature(secret: string, body: Buffer, header: string | null): boolean {
  const match = SIGNATURE.exec(header ?? "");
  if (!match?.[1]) return false;
  const expected = createHmac("sha256", secret).update(body).digest();
  const given = Buffer.from(match[1], "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** `sha256=<hex>` for a body: what GitHub sends, for tests and tools. */
export function signBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export type WebhookVerdict =
  | {
      ok: true;
      deliveryId: string;
      eventName: string;
      /** Null for an event Gantry does not act on (e.g. `ping`, `projects_v2_item`). */
      event: GitHubEvent | null;
    }
  | { ok: false; status: 400 | 401 | 413 | 415; message: string };

/**
 * Everything about a delivery that can be judged without the database:
 * size, signature, headers, and the payload of the events Gantry handles.
 * The body is JSON or, GitHub's default content type, a form whose
 * `payload` field holds the JSON; the signature covers the bytes as sent
 * either way, so it is checked before the body is decoded.
 */
export async function verifyWebhook(request: Request, secret: string): Promise<WebhookVerdict> {
  const body = await readBodyWithLimit(request, MAX_WEBHOOK_BODY_BYTES);
  if (body === null) {
    return {
      ok: false,
      status: 413,
      message: `the payload is larger than ${MAX_WEBHOOK_BODY_BYTES} bytes (GitHub's limit is 25 MB)`,
    };
  }
  if (!verifySignature(secret, body, request.headers.get("x-hub-signature-256"))) {
    return {
      ok: false,
      status: 401,
      message: "the X-Hub-Signature-256 signature is missing or wrong",
    };
  }
  const deliveryId = request.headers.get("x-github-delivery") ?? "";
  if (!DELIVERY_ID.test(deliveryId)) {
    return { ok: false, status: 400, message: "X-GitHub-Delivery is missing or not a delivery id" };
  }
  const eventName = request.headers.get("x-github-event") ?? "";
  if (!EVENT_NAME.test(eventName)) {
    return {
      ok: false,
      status: 400,
      message:
        "X-GitHub-Event is missing or not an event name (letters, digits, '_', '.', '-'; at most 100)",
    };
  }
  const json = payloadText(request.headers.get("content-type"), body);
  if (!json.ok) return json;
  let payload: unknown;
  try {
    payload = JSON.parse(json.text);
  } catch {
    return { ok: false, status: 400, message: "the payload is not JSON" };
  }
  const parsed = parseGitHubEvent(eventName, payload);
  if (!parsed.ok) return { ok: false, status: 400, message: parsed.message };
  return { ok: true, deliveryId, eventName, event: parsed.event };
}

/** The JSON text of a delivery, by the content type its webhook was set up with. */
function payloadText(
  contentType: string | null,
  body: Buffer,
): { ok: true; text: string } | { ok: false; status: 400 | 415; message: string } {
  const mediaType = (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  if (mediaType === "application/json") return { ok: true, text: body.toString("utf8") };
  if (mediaType === "application/x-www-form-urlencoded") {
    const payloads = new URLSearchParams(body.toString("utf8")).getAll("payload");
    if (payloads.length !== 1 || payloads[0] === undefined) {
      return {
        ok: false,
        status: 400,
        message: "the form has no single payload field (GitHub sends payload=<JSON>)",
      };
    }
    return { ok: true, text: payloads[0] };
  }
  return {
    ok: false,
    status: 415,
    message: "the content type must be application/json or application/x-www-form-urlencoded",
  };
}

/** Is the event about the GitOps repository `owner/repository`? GitHub's names ignore case. */
export function isAboutRepository(
  event: GitHubEvent,
  target: { owner: string; repository: string },
): boolean {
  return event.repository.toLowerCase() === `${target.owner}/${target.repository}`.toLowerCase();
}

/** The typed event for a payload, null for events Gantry ignores, or what is wrong with it. */
function parseGitHubEvent(
  eventName: string,
  payload: unknown,
): { ok: true; event: GitHubEvent | null } | { ok: false; message: string } {
  const problem = (error: z.ZodError) => {
    const issue = error.issues[0];
    return {
      ok: false as const,
      message: `the ${eventName} payload is not valid: ${issue ? `${issue.path.join(".") || "(root)"}: ${issue.message}` : "unknown"}`,
    };
  };
  switch (eventName) {
    case "pull_request": {
      const r = pullRequestEvent.safeParse(payload);
      if (!r.success) return problem(r.error);
      const pr = r.data.pull_request;
      return {
        ok: true,
        event: {
          type: "pull_request",
          action: r.data.action,
          repository: r.data.repository.full_name,
          pullRequest: {
            number: pr.number,
            state: pr.state,
            merged: pr.merged === true,
            mergeCommitSha: pr.merged === true ? (pr.merge_commit_sha ?? null) : null,
            head: pr.head.ref,
            headSha: pr.head.sha,
            base: pr.base.ref,
          },
        },
      };
    }
    case "pull_request_review": {
      const r = pullRequestReviewEvent.safeParse(payload);
      if (!r.success) return problem(r.error);
      return {
        ok: true,
        event: {
          type: "pull_request_review",
          action: r.data.action,
          repository: r.data.repository.full_name,
          pullRequestNumber: r.data.pull_request.number,
          review: {
            id: r.data.review.id,
            state: r.data.review.state,
            reviewer: r.data.review.user?.login ?? null,
            commitSha: r.data.review.commit_id ?? null,
            body: r.data.review.body ?? "",
            submittedAt: r.data.review.submitted_at ?? null,
          },
        },
      };
    }
    case "push": {
      const r = pushEvent.safeParse(payload);
      if (!r.success) return problem(r.error);
      return {
        ok: true,
        event: {
          type: "push",
          repository: r.data.repository.full_name,
          ref: r.data.ref,
          before: r.data.before,
          after: r.data.after,
        },
      };
    }
    case "check_suite": {
      const r = checkSuiteEvent.safeParse(payload);
      if (!r.success) return problem(r.error);
      return {
        ok: true,
        event: {
          type: "check_suite",
          action: r.data.action,
          repository: r.data.repository.full_name,
          headSha: r.data.check_suite.head_sha,
          status: r.data.check_suite.status,
          conclusion: r.data.check_suite.conclusion,
        },
      };
    }
    case "status": {
      const r = statusEvent.safeParse(payload);
      if (!r.success) return problem(r.error);
      return {
        ok: true,
        event: {
          type: "status",
          repository: r.data.repository.full_name,
          sha: r.data.sha,
          state: r.data.state,
          context: r.data.context,
          targetUrl: r.data.target_url ?? null,
        },
      };
    }
    default:
      return { ok: true, event: null };
  }
}
