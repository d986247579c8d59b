import { GantryError } from "@/lib/errors";
import { MAX_REPORT_BYTES } from "@/lib/sync-status/report";

/**
 * The request body as text, read from the stream with a bound on its size:
 * 413 as soon as more than `maxBytes` arrive. A gzip body
 * (`Content-Encoding: gzip`) is bounded after decompression, which is read
 * lazily, so a small compressed body that inflates to gigabytes (a zip bomb)
 * stops at the bound without being inflated further.
 */
export async function readReportBody(
  request: Request,
  maxBytes: number = MAX_REPORT_BYTES,
): Promise<string> {
  const tooLarge = () =>
    new GantryError(
      "payload_too_large",
      `the report exceeds ${maxBytes} bytes; send smaller batches`,
    );
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();

  const encoding = (request.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding !== "identity" && encoding !== "gzip") {
    throw new GantryError(
      "bad_request",
      `Content-Encoding ${encoding.slice(0, 40)} is not supported; send gzip or no encoding`,
    );
  }
  if (!request.body) throw new GantryError("bad_request", "the request has no body");
  const stream =
    encoding === "gzip" ? request.body.pipeThrough(new DecompressionStream("gzip")) : request.body;

  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let exceeded = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        exceeded = true;
        break;
      }
      chunks.push(value);
    }
  } catch (error) {
    throw new GantryError(
      "bad_request",
      encoding === "gzip" ? "the body is not valid gzip" : "the body could not be read",
      { cause: error },
    );
  }
  if (exceeded) {
    // Stops the upload and the decompression where they are.
    await reader.cancel();
    throw tooLarge();
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch (error) {
    throw new GantryError("bad_request", "the body is not valid UTF-8", { cause: error });
  }
}
