import type { PolicySummary } from "@/lib/policy/describe";

/** An environment's promotion policy in words, as a definition list. */
export function PolicyDetails({ summary }: { summary: PolicySummary }) {
  return (
    <dl className="grid gap-x-4 gap-y-2 text-sm sm:grid-cols-[10rem_1fr]">
      <dt className="text-slate-500">Approvals</dt>
      <dd>{summary.approvals}</dd>
      <dt className="text-slate-500">Order</dt>
      <dd>{summary.order}</dd>
      <dt className="text-slate-500">Merge</dt>
      <dd>{summary.autoMerge}</dd>
      <dt className="text-slate-500">Rollback</dt>
      <dd>{summary.rollback}</dd>
      <dt className="text-slate-500">Releases</dt>
      <dd>{summary.progression}</dd>
      <dt className="text-slate-500">Freezes</dt>
      <dd>
        {summary.freezes.length === 0 ? (
          "None"
        ) : (
          <ul className="space-y-0.5">
            {summary.freezes.map((freeze) => (
              <li key={freeze}>{freeze}</li>
            ))}
          </ul>
        )}
        {summary.frozen ? (
          <p className="mt-1 font-medium text-amber-900 dark:text-amber-200">
            Frozen now, until {summary.frozen.until} ({summary.frozen.reason})
          </p>
        ) : null}
        {summary.nextFreeze ? (
          <p className="mt-1 text-slate-600">
            Next: from {summary.nextFreeze.from} until {summary.nextFreeze.until} (
            {summary.nextFreeze.reason})
          </p>
        ) : null}
      </dd>
    </dl>
  );
}
