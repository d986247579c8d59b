import type { Scalar } from "yaml";
import type { Position, Splice } from "@/lib/gitops-repo/yaml-edit";

/**
 * A YAML document written inside a YAML string: Argo CD's inline Helm values
 * (`helm: { values: | ... }`). Read from any string style; written only in a
 * literal block (`|`, `|-`, `|+`), whose lines are the inner document's lines
 * indented, so an edit of the inner text maps to the same bytes of the file
 * shifted by the block's indentation, and nothing else changes.
 */
export type EmbeddedYaml =
  | {
      text: string;
      editable: true;
      /** The file's position of a position in the inner text. */
      toOuter(position: Position): Position;
      /** The file's splice of a splice of the inner text. */
      spliceToOuter(splice: Splice): Splice;
    }
  | { text: string; editable: false; why: string };

export function embeddedYaml(outer: string, node: Scalar, what: string): EmbeddedYaml | null {
  if (typeof node.value !== "string") return null;
  const notEditable = (why: string): EmbeddedYaml => ({
    text: String(node.value),
    editable: false,
    why,
  });
  if (node.type !== "BLOCK_LITERAL" || !node.range) {
    return notEditable(
      `${what} is written as a ${node.type === "BLOCK_FOLDED" ? "folded block (>)" : "quoted or plain string"}; Gantry edits inline values written as a literal block (${what.split(".").pop()}: |), or use helm.valuesObject`,
    );
  }
  const [start, valueEnd] = node.range;
  const headerEnd = outer.indexOf("\n", start);
  if (headerEnd < 0 || headerEnd >= valueEnd)
    return { text: "", editable: false, why: `${what} is empty` };
  const header = outer
    .slice(start, headerEnd)
    .replace(/\s+#.*$/, "")
    .trim();
  // An explicit indentation indicator (|2) is rare and counts from the parent: not worth guessing.
  if (/\d/.test(header)) {
    return notEditable(
      `${what} has an explicit indentation indicator (${header}); remove it to let Gantry edit it`,
    );
  }
  const body = outer.slice(headerEnd + 1, valueEnd);
  const rawLines = body.split("\n");
  const firstContent = rawLines.find((line) => line.trim() !== "");
  if (firstContent === undefined) return { text: "", editable: false, why: `${what} is empty` };
  const indent = firstContent.length - firstContent.trimStart().length;
  const lineStarts: number[] = [];
  const stripped: number[] = [];
  const innerLines: string[] = [];
  let offset = headerEnd + 1;
  for (const line of rawLines) {
    const cut = Math.min(indent, line.length - line.trimStart().length);
    lineStarts.push(offset);
    stripped.push(cut);
    innerLines.push(line.slice(cut));
    offset += line.length + 1;
  }
  const text = innerLines.join("\n");
  // The lines must be what YAML itself read, else an offset would land elsewhere.
  if (text.replace(/\n+$/, "") !== node.value.replace(/\n+$/, "")) {
    return notEditable(`${what} could not be mapped line by line onto the file`);
  }
  const innerLineStarts: number[] = [];
  let at = 0;
  for (const line of innerLines) {
    innerLineStarts.push(at);
    at += line.length + 1;
  }
  const lineOf = (innerOffset: number): number => {
    let line = 0;
    while (line + 1 < innerLineStarts.length && (innerLineStarts[line + 1] ?? 0) <= innerOffset)
      line++;
    return line;
  };
  /** A line's start maps to before its indentation, so whole lines go in or out with it. */
  const outerOffset = (innerOffset: number): number => {
    const line = lineOf(innerOffset);
    const column = innerOffset - (innerLineStarts[line] ?? 0);
    return (lineStarts[line] ?? 0) + (column === 0 ? 0 : (stripped[line] ?? 0) + column);
  };
  const outerLineOfStart = (outer.slice(0, headerEnd + 1).match(/\n/g) ?? []).length + 1;
  return {
    text,
    editable: true,
    toOuter: (position) => ({
      line: outerLineOfStart + position.line - 1,
      column: position.column + (stripped[position.line - 1] ?? indent),
    }),
    spliceToOuter: (splice) => {
      const pad = " ".repeat(indent);
      const atLineStart = splice.start === (innerLineStarts[lineOf(splice.start)] ?? -1);
      // Every line the insert starts inside the block takes the block's indentation; an
      // insert that ends a line leaves the next line's own indentation where it is.
      const lines = splice.insert.split("\n");
      const insert = lines
        .map((line, index) =>
          (index === 0 && !atLineStart) || (index === lines.length - 1 && line === "")
            ? line
            : `${pad}${line}`,
        )
        .join("\n");
      return { start: outerOffset(splice.start), end: outerOffset(splice.end), insert };
    },
  };
}
