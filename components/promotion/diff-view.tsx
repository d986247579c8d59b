import { type DiffLine, parseUnifiedDiff } from "./parse-diff";

/**
 * The exact change a promotion makes, as a unified diff with old and new
 * line numbers. YAML keys and comments are tinted so the one changed value
 * stands out; added and removed lines are also marked in words for screen
 * readers, not only by colour.
 */
export function DiffView({ diff, label }: { diff: string; label: string }) {
  const parsed = parseUnifiedDiff(diff);
  // One file: the label names it. Several (a version written into a new
  // overlay patch and its kustomization, say): each file's name heads its hunks.
  const several = parsed.filter((l) => l.kind === "file" && l.text.startsWith("+++ ")).length > 1;
  const lines: DiffLine[] = parsed.flatMap((line, index) => {
    if (line.kind !== "file") return [line];
    if (!several || !line.text.startsWith("+++ ")) return [];
    const created = parsed[index - 1]?.text === "--- /dev/null";
    const path = line.text.replace(/^\+\+\+ (b\/)?/, "");
    const heading: DiffLine = { kind: "note", text: created ? `${path} (new file)` : path };
    return [heading];
  });
  return (
    <figure className="overflow-hidden rounded-md border border-slate-200 bg-white">
      <figcaption className="border-b border-slate-200 bg-slate-50 px-3 py-2 font-mono text-xs text-slate-700">
        {label}
      </figcaption>
      <div className="overflow-x-auto">
        <table className="w-full border-collapse font-mono text-xs leading-5">
          <tbody>
            {lines.map((line, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: diff lines have no identity beyond their position
              <DiffRow key={index} line={line} />
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}

const ROW_TONE = {
  context: "",
  added: "bg-emerald-50 dark:bg-emerald-950/70",
  removed: "bg-red-50 dark:bg-red-950/70",
} as const;

function DiffRow({ line }: { line: DiffLine }) {
  if (line.kind === "hunk" || line.kind === "note" || line.kind === "file") {
    return (
      <tr className="bg-blue-50 text-blue-900 dark:bg-blue-950 dark:text-blue-100">
        <td colSpan={3} className="px-3 py-0.5">
          {line.text}
        </td>
      </tr>
    );
  }
  const sign = line.kind === "added" ? "+" : line.kind === "removed" ? "-" : " ";
  return (
    <tr className={ROW_TONE[line.kind]}>
      <td className="w-10 select-none px-2 text-right text-slate-500 dark:text-slate-400">
        {line.oldLine ?? ""}
      </td>
      <td className="w-10 select-none px-2 text-right text-slate-500 dark:text-slate-400">
        {line.newLine ?? ""}
      </td>
      <td className="whitespace-pre px-3">
        <span
          aria-hidden="true"
          className="select-none font-bold text-slate-600 dark:text-slate-300"
        >
          {sign}{" "}
        </span>
        {line.kind !== "context" ? (
          <span className="sr-only">{line.kind === "added" ? "added: " : "removed: "}</span>
        ) : null}
        <YamlLine text={line.text} />
      </td>
    </tr>
  );
}

/** Light YAML tinting: the key, the value, and a trailing comment. */
function YamlLine({ text }: { text: string }) {
  const comment = /^(\s*#.*)$/.exec(text);
  if (comment) return <span className="text-slate-600 dark:text-slate-400">{text}</span>;
  const match = /^(\s*-?\s*)([^:#]+:)(\s*)([^#]*?)(\s*#.*)?$/.exec(text);
  if (!match) return <span>{text}</span>;
  const [, indent, key, space, value, trailing] = match;
  return (
    <>
      {indent}
      <span className="text-purple-800 dark:text-purple-300">{key}</span>
      {space}
      <span className="text-slate-900 dark:text-slate-100">{value}</span>
      {trailing ? <span className="text-slate-600 dark:text-slate-400">{trailing}</span> : null}
    </>
  );
}
