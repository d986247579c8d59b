import type { LocatedError } from "@/lib/gitops-repo/located";

/**
 * Decodes a file's bytes as UTF-8, refusing any byte sequence that is not
 * UTF-8 (a Latin-1 `é` in a comment, say) with its line and column instead of
 * silently replacing it with U+FFFD: a file read that way and written back
 * would have its other bytes changed. A byte order mark is kept in the text,
 * so writing the text back keeps it too.
 */
export function decodeUtf8Strict(
  bytes: Uint8Array,
  file: string,
): { ok: true; text: string } | { ok: false; error: LocatedError } {
  try {
    return {
      ok: true,
      text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes),
    };
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    const offset = firstInvalidUtf8(bytes);
    const before = new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes.subarray(0, offset));
    const lines = before.split("\n");
    const byte = bytes[offset] ?? 0;
    return {
      ok: false,
      error: {
        file,
        line: lines.length,
        column: (lines[lines.length - 1] ?? "").length + 1,
        message: `the file is not UTF-8 (byte 0x${byte.toString(16).padStart(2, "0")} at byte ${offset + 1}); save it as UTF-8: Gantry does not read or rewrite it`,
      },
    };
  }
}

/** Byte offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    let length: number;
    let min: number;
    if (b < 0x80) {
      i += 1;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      length = 2;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      min = 0x10000;
    } else {
      return i;
    }
    let code = b & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += length;
  }
  return bytes.length;
}

/**
 * Where a text that was decoded leniently holds U+FFFD, the mark a lenient
 * decoder leaves for bytes that were not UTF-8; null when it holds none.
 * (A file that really contains U+FFFD is refused too: it is rare, and
 * rewriting a file whose bytes were lost is worse.)
 */
export function replacementCharacterAt(text: string): { line: number; column: number } | null {
  const index = text.indexOf("\uFFFD");
  if (index < 0) return null;
  const lines = text.slice(0, index).split("\n");
  return { line: lines.length, column: (lines[lines.length - 1] ?? "").length + 1 };
}
