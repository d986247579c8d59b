/** Download the current filter's events; the browser saves what the export endpoint streams. */
export function ExportLinks({ query }: { query: string }) {
  const href = (format: string) =>
    `/api/v1/audit/export?format=${format}${query ? `&${query}` : ""}`;
  const link =
    "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-50";
  return (
    <>
      <a href={href("csv")} download className={link}>
        Export CSV
      </a>
      <a href={href("jsonl")} download className={link}>
        Export JSON Lines
      </a>
    </>
  );
}
