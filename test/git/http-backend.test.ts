import { existsSync } from "node:fs";
import { readFile, symlink } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoRepositorySeed } from "@/lib/demo/generate-repository";
import { ensureLocalRepository } from "@/lib/git/local/ensure-repository";
import { git, startGitServer, tempDir } from "./support";

/** A raw request, path sent exactly as written (no URL normalisation). */
function raw(
  base: string,
  rawPath: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { hostname, port, path: rawPath, method: options.method ?? "GET", headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Git's pkt-line framing: 4 hex digits of length (including themselves), then the payload. */
function pktLine(payload: string): string {
  return (payload.length + 4).toString(16).padStart(4, "0") + payload;
}

describe("read-only smart HTTP", () => {
  let dataDir: string;
  let cleanup: () => Promise<void>;
  let server: Awaited<ReturnType<typeof startGitServer>>;
  let head: string;

  beforeAll(async () => {
    ({ dir: dataDir, cleanup } = await tempDir());
    const seeded = await ensureLocalRepository({
      dataDir,
      repository: "gitops",
      branch: "main",
      seed: demoRepositorySeed({ apps: 40 }),
    });
    head = seeded.head ?? "";
    server = await startGitServer(dataDir);
  });

  afterAll(async () => {
    await server?.close();
    await cleanup?.();
  });

  it.each([
    ["protocol v2", "2"],
    ["protocol v0", "0"],
  ])("git clone works over %s and gets every file", async (_name, version) => {
    const work = await tempDir("gantry-clone-");
    try {
      const target = path.join(work.dir, "clone");
      const cloned = await git([
        "-c",
        `protocol.version=${version}`,
        "clone",
        `${server.url}/git/gitops.git`,
        target,
      ]);
      expect(cloned.stderr).not.toMatch(/fatal/);
      expect(cloned.code).toBe(0);

      expect((await git(["rev-parse", "HEAD"], { cwd: target })).stdout.trim()).toBe(head);
      expect((await git(["rev-list", "--count", "HEAD"], { cwd: target })).stdout.trim()).toBe(
        "42",
      );
      const files = (await git(["ls-files"], { cwd: target })).stdout.trim().split("\n");
      expect(files.filter((f) => /^apps\/[^/]+\/app\.yaml$/.test(f))).toHaveLength(40);
      expect(files).toContain("environments.yaml");
      expect(files).toContain("charts/web-service/templates/deployment.yaml");
      expect(await readFile(path.join(target, "README.md"), "utf8")).toMatch(
        /^# GitOps repository/,
      );
      // The working tree is exactly the commit: nothing missing or altered in transit.
      expect((await git(["status", "--porcelain"], { cwd: target })).stdout).toBe("");
      expect((await git(["fsck", "--no-progress"], { cwd: target })).code).toBe(0);
    } finally {
      await work.cleanup();
    }
  });

  it("fetches new commits into an existing clone", async () => {
    const work = await tempDir("gantry-clone-");
    try {
      const target = path.join(work.dir, "clone");
      expect((await git(["clone", "--depth=1", `${server.url}/git/gitops.git`, target])).code).toBe(
        0,
      );
      const fetched = await git(["fetch", "--unshallow", "origin"], { cwd: target });
      expect(fetched.code).toBe(0);
      expect(
        (await git(["rev-list", "--count", "origin/main"], { cwd: target })).stdout.trim(),
      ).toBe("42");
    } finally {
      await work.cleanup();
    }
  });

  it("refuses a push with a clear message and leaves the repository unchanged", async () => {
    const work = await tempDir("gantry-clone-");
    try {
      const target = path.join(work.dir, "clone");
      expect((await git(["clone", `${server.url}/git/gitops.git`, target])).code).toBe(0);
      expect((await git(["commit", "--allow-empty", "-m", "sneaky"], { cwd: target })).code).toBe(
        0,
      );
      const pushed = await git(["push", "origin", "HEAD:main"], { cwd: target });
      expect(pushed.code).not.toBe(0);
      expect(pushed.stderr).toMatch(/403/);
      expect(pushed.stderr).toMatch(/read-only/);

      const bare = path.join(dataDir, "git", "gitops.git");
      expect((await git(["--git-dir", bare, "rev-parse", "main"])).stdout.trim()).toBe(head);
    } finally {
      await work.cleanup();
    }
  });

  it("refuses receive-pack however it is asked for", async () => {
    const advert = await raw(server.url, "/git/gitops.git/info/refs?service=git-receive-pack");
    expect(advert.status).toBe(403);
    expect(advert.body.toString()).toMatch(/read-only/);
    const post = await raw(server.url, "/git/gitops.git/git-receive-pack", {
      method: "POST",
      headers: { "content-type": "application/x-git-receive-pack-request" },
      body: Buffer.from("0000"),
    });
    expect(post.status).toBe(403);
  });

  it.each([
    "/git/../../etc/passwd",
    "/git/gitops.git/../../../etc/passwd",
    "/git/./gitops.git/info/refs?service=git-upload-pack",
    "/git/gitops.git//info/refs?service=git-upload-pack",
    "/git/%2e%2e/%2e%2e/etc/passwd",
    "/git/gitops.git/info%2frefs?service=git-upload-pack",
  ])("refuses the traversal attempt %s", async (attempt) => {
    const response = await raw(server.url, attempt);
    expect(response.status).toBe(400);
    expect(response.body.toString()).not.toMatch(/root:/);
  });

  it.each([
    ["an unknown repository", "/git/nope.git/info/refs?service=git-upload-pack"],
    ["a name without .git", "/git/gitops/info/refs?service=git-upload-pack"],
    ["a repository file", "/git/gitops.git/config"],
    ["the dumb protocol's files", "/git/gitops.git/HEAD"],
    ["an object path", "/git/gitops.git/objects/info/packs"],
  ])("answers 404 for %s", async (_what, rawPath) => {
    expect((await raw(server.url, rawPath)).status).toBe(404);
  });

  it("answers 403 to the dumb protocol's ref listing and 405 to wrong methods", async () => {
    expect((await raw(server.url, "/git/gitops.git/info/refs")).status).toBe(403);
    expect((await raw(server.url, "/git/gitops.git/git-upload-pack")).status).toBe(405);
    expect(
      (
        await raw(server.url, "/git/gitops.git/info/refs?service=git-upload-pack", {
          method: "POST",
        })
      ).status,
    ).toBe(405);
  });

  it("does not follow a symlink out of the repository root", async () => {
    const elsewhere = await tempDir("gantry-elsewhere-");
    try {
      await ensureLocalRepository({
        dataDir: elsewhere.dir,
        repository: "secret",
        branch: "main",
        seed: null,
      });
      await symlink(
        path.join(elsewhere.dir, "git", "secret.git"),
        path.join(dataDir, "git", "linked.git"),
      );
      expect(existsSync(path.join(dataDir, "git", "linked.git", "HEAD"))).toBe(true);
      const response = await raw(server.url, "/git/linked.git/info/refs?service=git-upload-pack");
      expect(response.status).toBe(404);
    } finally {
      await elsewhere.cleanup();
    }
  });

  it("serves the ref advertisement with git's content type", async () => {
    const response = await raw(server.url, "/git/gitops.git/info/refs?service=git-upload-pack");
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("application/x-git-upload-pack-advertisement");
    expect(response.body.toString()).toContain(`${head} HEAD`);
  });

  it("accepts a gzip-compressed protocol v2 request", async () => {
    const body = gzipSync(
      Buffer.from(`${pktLine("command=ls-refs\n")}0001${pktLine("symrefs\n")}0000`),
    );
    const response = await raw(server.url, "/git/gitops.git/git-upload-pack", {
      method: "POST",
      headers: {
        "content-type": "application/x-git-upload-pack-request",
        "content-encoding": "gzip",
        "git-protocol": "version=2",
        "content-length": String(body.length),
      },
      body,
    });
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("application/x-git-upload-pack-result");
    expect(response.body.toString()).toContain(`${head} refs/heads/main`);
  });
});
