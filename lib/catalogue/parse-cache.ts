/**
 * What the importer made of each file, by the file's path and Git blob id:
 * equal blob ids mean equal bytes, so a file that did not change since the
 * last import is neither read from Git nor parsed again. The path is part of
 * the key because a problem names its file.
 *
 * Bounded: the least recently used entries go first once the entries' sizes
 * (the caller's estimate, in bytes) pass the limit, so the cache never holds
 * a whole large repository's documents.
 */
export class ParseCache {
  private readonly entries = new Map<string, { value: unknown; bytes: number }>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.entries.size;
  }

  get<T>(kind: string, path: string, blob: string): T | undefined {
    const key = keyOf(kind, path, blob);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    // Touched: moved to the end, the most recently used.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value as T;
  }

  set(kind: string, path: string, blob: string, value: unknown, bytes: number): void {
    const key = keyOf(kind, path, blob);
    const previous = this.entries.get(key);
    if (previous) {
      this.bytes -= previous.bytes;
      this.entries.delete(key);
    }
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}

function keyOf(kind: string, path: string, blob: string): string {
  return `${kind}\0${blob}\0${path}`;
}
