import http from "node:http";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type SyncReport, SyncReportSchema } from "@/lib/sync-status/report";
import { createPortalClient, reportsUrl } from "./portal-client";

const report: SyncReport = {
  schemaVersion: 1,
  agent: { version: "test", mode: "agent" },
  kind: "delta",
  sequence: 7,
  sentAt: new Date().toISOString(),
  items: [],
};

describe("portal client", () => {
  let server: http.Server;
  let base = "";
  const seen: { url?: string; headers: http.IncomingHttpHeaders; body: SyncReport }[] = [];
  let answer: (response: http.ServerResponse) => void;
  // Tests change how the portal answers (down, throttled, silent): each starts from an accepting one.
  beforeEach(() => {
    answer = (response) => response.writeHead(202).end();
    seen.length = 0;
  });

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const body = SyncReportSchema.parse(
          JSON.parse(gunzipSync(Buffer.concat(chunks)).toString()),
        );
        seen.push({ url: request.url, headers: request.headers, body });
        answer(response);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (!address || typeof address === "string") throw new Error("no port");
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const client = (portal = base, timeoutMs = 5_000) =>
    createPortalClient({
      portal,
      cluster: "prod-eu-1",
      token: "t0ken",
      userAgent: "ua",
      timeoutMs,
    });

  it("posts gzip JSON with the bearer token to the cluster's reports URL", async () => {
    await expect(client()(report)).resolves.toEqual({ kind: "accepted", status: 202 });
    const request = seen.at(-1);
    expect(request?.url).toBe("/api/v1/clusters/prod-eu-1/reports");
    expect(request?.headers.authorization).toBe("Bearer t0ken");
    expect(request?.headers["content-encoding"]).toBe("gzip");
    expect(request?.body.sequence).toBe(7);
    expect(reportsUrl("https://g.example/portal/", "a")).toBe(
      "https://g.example/portal/api/v1/clusters/a/reports",
    );
  });

  it("503 and 429 are worth retrying (honouring Retry-After); other 4xx are not", async () => {
    answer = (response) => response.writeHead(503).end("down");
    await expect(client()(report)).resolves.toMatchObject({ kind: "retry" });
    answer = (response) => response.writeHead(429, { "retry-after": "3" }).end();
    await expect(client()(report)).resolves.toMatchObject({ kind: "retry", retryAfterMs: 3_000 });
    answer = (response) => response.writeHead(400).end("items.0.application: expected a slug");
    const rejected = await client()(report);
    expect(rejected).toMatchObject({ kind: "rejected", status: 400 });
    expect(JSON.stringify(rejected)).not.toContain("t0ken");
    answer = (response) =>
      response.writeHead(422, { "content-type": "application/json" }).end(
        JSON.stringify({
          error: {
            code: "unprocessable",
            message: "report refused",
            details: { rejected: [{ index: 0, application: "x", environment: "y", reason: "r" }] },
          },
        }),
      );
    await expect(client()(report)).resolves.toMatchObject({
      kind: "rejected",
      status: 422,
      refusedItems: [0],
    });
  });

  it("an unreachable or silent portal is worth retrying", async () => {
    await expect(client("http://127.0.0.1:1")(report)).resolves.toMatchObject({ kind: "retry" });
    answer = () => {}; // never answers
    await expect(client(base, 200)(report)).resolves.toMatchObject({ kind: "retry" });
  });
});
