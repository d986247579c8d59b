import type { RepositoryFileView } from "@/lib/catalogue/get-repository-file";

/** A read-only file of the GitOps repository with line numbers (line anchors #L12 for sharing). */
/** The line a link points at (#L12) stands out. */
const LINE_ROW = "target:bg-amber-50 dark:target:bg-amber-950";

export function FileView({ file }: { file: RepositoryFileView }) {
  const lines = file.content.replace(/\n$/, "").split("\n");
  return (
    <section aria-labelledby="file-heading" className="rounded-lg border border-slate-200 bg-white">
      <header className="flex flex-wrap items-baseline justify-between gap-2 border-b border-slate-200 px-4 py-3">
        <h1 id="file-heading" className="font-mono text-base font-semibold">
          {file.path}
        </h1>
        <p className="text-xs text-slate-600">
          {file.repository} at <span className="font-mono">{file.commit.slice(0, 12)}</span>
        </p>
      </header>
      <div className="overflow-x-auto">
        <table className="w-full border-collapse font-mono text-xs leading-5">
          <tbody>
            {lines.map((line, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: lines of a file are identified by their number
              <tr key={index} id={`L${index + 1}`} className={LINE_ROW}>
                <td className="w-12 select-none border-r border-slate-100 px-3 text-right text-slate-500 dark:border-slate-800 dark:text-slate-400">
                  <a href={`#L${index + 1}`}>{index + 1}</a>
                </td>
                <td className="whitespace-pre px-3 text-slate-800">{line || " "}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
