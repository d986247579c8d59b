/**
 * A unified diff (as `diff`'s createTwoFilesPatch writes it) split into
 * lines a person reads: headers, hunk markers, and context/added/removed
 * lines with their old and new line numbers.
 */
export type DiffLine =
  | { kind: "file"; text: string }
  | { kind: "hunk"; text: string }
  | {
      kind: "context" | "added" | "removed";
      text: string;
      oldLine: number | null;
      newLine: number | null;
    }
  | { kind: "note"; text: string };

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

export function parseUnifiedDiff(diff: string): DiffLine[] {
  const lines: DiffLine[] = [];
  let oldLine = 0;
  let newLine = 0;
  for (const raw of diff.split("\n")) {
    if (raw.startsWith("===") || raw.startsWith("Index:")) continue;
    if (raw.startsWith("--- ") || raw.startsWith("+++ ")) {
      lines.push({ kind: "file", text: raw });
      continue;
    }
    const hunk = HUNK.exec(raw);
    if (hunk) {
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      lines.push({ kind: "hunk", text: raw });
      continue;
    }
    if (raw.startsWith("\\")) {
      lines.push({ kind: "note", text: raw });
    } else if (raw.startsWith("+")) {
      lines.push({ kind: "added", text: raw.slice(1), oldLine: null, newLine: newLine++ });
    } else if (raw.startsWith("-")) {
      lines.push({ kind: "removed", text: raw.slice(1), oldLine: oldLine++, newLine: null });
    } else if (raw.startsWith(" ")) {
      lines.push({ kind: "context", text: raw.slice(1), oldLine: oldLine++, newLine: newLine++ });
    }
  }
  return lines;
}
