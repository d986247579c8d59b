import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { readReportBody } from "./read-report-body";

function request(body: BodyInit, headers: Record<string, string> = {}): Request {
  return new Request("http://gantry.test/", { method: "POST", body, headers });
}

/** A body streamed in chunks, with no Content-Length to trust. */
function streamed(chunks: number, size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ < chunks) controller.enqueue(new Uint8Array(size).fill(32));
      else controller.close();
    },
  });
}

describe("readReportBody", () => {
  it("reads a plain and a gzip body", async () => {
    expect(await readReportBody(request('{"a":1}'))).toBe('{"a":1}');
    const zipped = gzipSync('{"b":2}');
    expect(await readReportBody(request(zipped, { "content-encoding": "gzip" }))).toBe('{"b":2}');
  });

  it("refuses with 413 a streamed body over the bound, whatever Content-Length says", async () => {
    // Node's fetch needs `duplex` for a streamed body; the DOM typings do not know it yet.
    const init: RequestInit & { duplex: "half" } = {
      method: "POST",
      body: streamed(10, 1024),
      duplex: "half",
    };
    await expect(
      readReportBody(new Request("http://gantry.test/", init), 4096),
    ).rejects.toMatchObject({ code: "payload_too_large" });
  });

  it("bounds the decompressed size of a gzip body", async () => {
    const bomb = gzipSync(Buffer.alloc(1024 * 1024, " "));
    expect(bomb.byteLength).toBeLessThan(4096);
    await expect(
      readReportBody(request(bomb, { "content-encoding": "gzip" }), 64 * 1024),
    ).rejects.toMatchObject({ code: "payload_too_large" });
  });

  it("refuses a declared Content-Length over the bound before reading", async () => {
    await expect(
      readReportBody(request("{}", { "content-length": "999999" }), 1024),
    ).rejects.toMatchObject({ code: "payload_too_large" });
  });

  it("refuses broken gzip, an unsupported encoding and invalid UTF-8 with 400", async () => {
    await expect(
      readReportBody(request("not gzip", { "content-encoding": "gzip" })),
    ).rejects.toMatchObject({ code: "bad_request", message: "the body is not valid gzip" });
    await expect(readReportBody(request("{}", { "content-encoding": "br" }))).rejects.toMatchObject(
      { code: "bad_request" },
    );
    await expect(readReportBody(request(new Uint8Array([0xff, 0xfe])))).rejects.toMatchObject({
      code: "bad_request",
      message: "the body is not valid UTF-8",
    });
  });
});
