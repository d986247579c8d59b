import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import type { Writable } from "node:stream";
import { spawnGit } from "@/lib/git/local/git-cli";
import { gitRoot, isRepositoryName } from "@/lib/git/local/repository-path";
import { logUnexpected } from "@/lib/log";

/**
 * Serves the local repositories read-only over Git's smart HTTP protocol by
 * running `git http-backend` as a CGI program, so that `git clone`, Argo CD
 * and Flux can pull `/git/<repo>.git` from the portal.
 *
 * Only the two requests a fetch needs get through to git: the ref
 * advertisement (`GET info/refs?service=git-upload-pack`) and the pack
 * negotiation (`POST git-upload-pack`). Pushes are refused here, before git
 * runs, and again by git itself (http.receivepack=false): Gantry changes the
 * repository only through pull requests. Anything else — the dumb protocol,
 * other files of the repository, paths that climb out of it — is refused
 * without touching the disk beyond a stat.
 */

const REPOSITORY_SEGMENT = /^([a-z0-9][a-z0-9._-]{0,99})\.git$/;
const GIT_PROTOCOL_HEADER = /^[A-Za-z0-9=:.,_-]{1,200}$/;
const DEFAULT_TIMEOUT_MS = 10 * 60_000;
const READ_ONLY_MESSAGE =
  "This repository is read-only over HTTP: Gantry changes it only through pull requests opened in the portal.\n";

export interface GitHttpParams {
  /** Gantry's data directory; repositories are served from `<dataDir>/git`. */
  dataDir: string;
  /** The path after `/git/`, e.g. `gitops.git/info/refs`. */
  repoPath: string;
  timeoutMs?: number;
}

export async function handleGitHttp(request: Request, params: GitHttpParams): Promise<Response> {
  const route = parseRoute(params.repoPath);
  if (route.kind === "invalid") return text(400, "Invalid repository path.\n");
  if (route.kind === "unknown") return text(404, "Not found.\n");

  const url = new URL(request.url);
  const service = url.searchParams.get("service");
  if (route.action === "receive-pack" || service === "git-receive-pack") {
    return text(403, READ_ONLY_MESSAGE);
  }
  if (route.action === "info-refs") {
    if (request.method !== "GET") return methodNotAllowed("GET");
    if (service !== "git-upload-pack") {
      return text(403, "Only Git's smart HTTP protocol is served: use git 1.6.6 or later.\n");
    }
  } else if (request.method !== "POST") {
    return methodNotAllowed("POST");
  }

  const root = gitRoot(params.dataDir);
  if (!(await isServedRepository(root, route.directory))) {
    return text(404, `Repository ${route.directory} not found.\n`);
  }

  const env: Record<string, string> = {
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: "1",
    PATH_INFO: `/${route.directory}/${route.action === "info-refs" ? "info/refs" : "git-upload-pack"}`,
    // Rebuilt rather than forwarded: git reads only `service`.
    QUERY_STRING: route.action === "info-refs" ? "service=git-upload-pack" : "",
    REQUEST_METHOD: request.method,
    // Refuse pushes and dumb-protocol file reads even if the repository's own config allows them.
    GIT_CONFIG_COUNT: "2",
    GIT_CONFIG_KEY_0: "http.receivepack",
    GIT_CONFIG_VALUE_0: "false",
    GIT_CONFIG_KEY_1: "http.getanyfile",
    GIT_CONFIG_VALUE_1: "false",
  };
  const contentType = request.headers.get("content-type");
  if (contentType) env.CONTENT_TYPE = contentType;
  const contentLength = request.headers.get("content-length");
  if (contentLength && /^\d+$/.test(contentLength)) env.CONTENT_LENGTH = contentLength;
  // git inflates gzip request bodies itself (git clients gzip large negotiations).
  const contentEncoding = request.headers.get("content-encoding");
  if (contentEncoding) env.HTTP_CONTENT_ENCODING = contentEncoding;
  // Protocol v2 is negotiated through this header; without it clones fall back to v0.
  const protocol = request.headers.get("git-protocol");
  if (protocol && GIT_PROTOCOL_HEADER.test(protocol)) env.GIT_PROTOCOL = protocol;

  const { child, done } = spawnGit(["http-backend"], {
    env,
    timeoutMs: params.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  });
  pump(request.body, child.stdin);

  const stdout = child.stdout[Symbol.asyncIterator]();
  let head: { status: number; headers: Headers; rest: Buffer } | null;
  try {
    head = await readCgiHead(stdout);
  } catch (error) {
    child.kill("SIGKILL");
    return failure(error, route.directory);
  }
  if (!head) {
    // git exited without a response: its reason is in `done`'s error (stderr), for the log only.
    const error = await done.then(
      () => new Error("git http-backend wrote no response"),
      (reason: unknown) => reason,
    );
    return failure(error, route.directory);
  }

  const { rest } = head;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (rest.length > 0) controller.enqueue(new Uint8Array(rest));
    },
    async pull(controller) {
      try {
        const next = await stdout.next();
        if (next.done) {
          controller.close();
          return;
        }
        controller.enqueue(new Uint8Array(next.value));
      } catch (error) {
        controller.error(error);
      }
    },
    cancel() {
      // The client went away mid-clone: stop packing for nobody.
      cancelled = true;
      child.kill("SIGKILL");
    },
  });
  // A failure after the headers went out cannot change the status any more;
  // it is logged, and the client sees a truncated pack, which git reports.
  done.catch((error: unknown) => {
    if (!cancelled)
      logUnexpected(error, { during: "git http-backend", repository: route.directory });
  });
  return new Response(body, { status: head.status, headers: head.headers });
}

type Route =
  | { kind: "invalid" }
  | { kind: "unknown" }
  | { kind: "git"; directory: string; action: "info-refs" | "upload-pack" | "receive-pack" };

/** `gitops.git/info/refs` → which repository, which request. */
function parseRoute(repoPath: string): Route {
  const segments = repoPath.split("/");
  if (
    segments.some(
      (segment) =>
        segment === "" ||
        segment === "." ||
        segment === ".." ||
        segment.includes("\\") ||
        segment.includes("\0") ||
        segment.includes("%"),
    )
  ) {
    return { kind: "invalid" };
  }
  const [directory = "", ...rest] = segments;
  const name = REPOSITORY_SEGMENT.exec(directory)?.[1];
  if (!name || !isRepositoryName(name)) return { kind: "unknown" };
  switch (rest.join("/")) {
    case "info/refs":
      return { kind: "git", directory, action: "info-refs" };
    case "git-upload-pack":
      return { kind: "git", directory, action: "upload-pack" };
    case "git-receive-pack":
      return { kind: "git", directory, action: "receive-pack" };
    default:
      return { kind: "unknown" };
  }
}

/** A bare repository directly under the project root, not reached through a symlink out of it. */
async function isServedRepository(root: string, directory: string): Promise<boolean> {
  try {
    const realRoot = await realpath(root);
    const realRepository = await realpath(path.join(root, directory));
    if (path.dirname(realRepository) !== realRoot) return false;
    return (await stat(path.join(realRepository, "HEAD"))).isFile();
  } catch {
    // ENOENT and friends: there is no such repository, which is the answer.
    return false;
  }
}

/** Copies the request body into git's stdin, honouring backpressure. */
function pump(body: ReadableStream<Uint8Array> | null, stdin: Writable): void {
  if (!body) {
    stdin.end();
    return;
  }
  const reader = body.getReader();
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (!stdin.write(value)) {
          await new Promise<void>((resolve) => {
            const settle = () => {
              stdin.off("drain", settle);
              stdin.off("close", settle);
              resolve();
            };
            stdin.once("drain", settle);
            stdin.once("close", settle);
          });
        }
        if (stdin.destroyed) break;
      }
    } catch {
      // The client aborted the upload; git sees a short body and fails, which `done` reports.
    } finally {
      stdin.end();
    }
  })();
}

const MAX_HEAD_BYTES = 16 * 1024;

/**
 * Reads the CGI response head (`Status:` and headers, then a blank line).
 * Returns what followed it, or null when git wrote nothing.
 */
async function readCgiHead(
  stdout: AsyncIterator<Buffer>,
): Promise<{ status: number; headers: Headers; rest: Buffer } | null> {
  let buffer = Buffer.alloc(0);
  for (;;) {
    const next = await stdout.next();
    if (next.done) {
      if (buffer.length === 0) return null;
      throw new Error("git http-backend ended inside the response headers");
    }
    buffer = Buffer.concat([buffer, next.value]);
    const end = headEnd(buffer);
    if (end) {
      const lines = buffer.subarray(0, end.index).toString("latin1").split(/\r?\n/);
      const headers = new Headers();
      let status = 200;
      for (const line of lines) {
        const colon = line.indexOf(":");
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 500;
        else headers.append(name, value);
      }
      return { status, headers, rest: buffer.subarray(end.index + end.length) };
    }
    if (buffer.length > MAX_HEAD_BYTES) throw new Error("git http-backend sent oversized headers");
  }
}

function headEnd(buffer: Buffer): { index: number; length: number } | null {
  const crlf = buffer.indexOf("\r\n\r\n");
  const lf = buffer.indexOf("\n\n");
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { index: crlf, length: 4 };
  if (lf >= 0) return { index: lf, length: 2 };
  return null;
}

function failure(error: unknown, repository: string): Response {
  const errorId = logUnexpected(error, { during: "git http-backend", repository });
  return text(500, `Git could not answer this request (error id ${errorId}).\n`);
}

function text(status: number, message: string): Response {
  return new Response(message, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" },
  });
}

function methodNotAllowed(allow: string): Response {
  return new Response(`Use ${allow} for this request.\n`, {
    status: 405,
    headers: { allow, "content-type": "text/plain; charset=utf-8" },
  });
}
