import type {
  PromotionTimeline as Timeline,
  TimelineStepKind,
} from "@/lib/audit/get-promotion-timeline";
import { formatDuration } from "./format-duration";

const DOT: Record<TimelineStepKind, string> = {
  requested: "bg-slate-400",
  pr_opened: "bg-blue-500",
  review: "bg-violet-500",
  merged: "bg-indigo-600",
  synced: "bg-sky-500",
  healthy: "bg-emerald-500",
  deployed: "bg-emerald-700",
  failed: "bg-red-600",
  ended: "bg-slate-600",
};

/**
 * A promotion's way from request to running, step by step, with the time
 * each step took after the one before drawn as a bar (so the slow step
 * stands out) and written out.
 */
export function PromotionTimeline({ timeline }: { timeline: Timeline }) {
  const longest = Math.max(1, ...timeline.steps.map((step) => step.sincePreviousSeconds ?? 0));
  return (
    <section
      aria-labelledby="promotion-delivery-timeline"
      className="rounded-lg border border-slate-200 bg-white p-4"
    >
      <h2 id="promotion-delivery-timeline" className="text-base font-semibold">
        Delivery timeline
      </h2>
      {timeline.leadTimeSeconds !== null ? (
        <p className="mt-1 text-sm text-slate-600">
          Lead time (pull request opened → deployed): {formatDuration(timeline.leadTimeSeconds)}
        </p>
      ) : null}
      <ol className="mt-3 space-y-2" aria-label="Steps from request to deployed">
        {timeline.steps.map((step) => (
          <li
            key={`${step.kind}:${step.label}:${step.at}`}
            className="grid grid-cols-[1rem_1fr_auto] items-start gap-2 text-sm"
          >
            <span
              aria-hidden="true"
              className={`mt-1.5 h-2.5 w-2.5 rounded-full ${DOT[step.kind]}`}
            />
            <div>
              <p>
                <span className="font-medium">{step.label}</span>
                {step.who ? <span className="text-slate-600"> by {step.who}</span> : null}
              </p>
              <p className="font-mono text-xs text-slate-500">
                <time dateTime={step.at}>{step.at.replace("T", " ").replace("Z", " UTC")}</time>
              </p>
            </div>
            <div className="w-40 text-right text-xs text-slate-600">
              {step.sincePreviousSeconds !== null ? (
                <>
                  <span>+{formatDuration(step.sincePreviousSeconds)}</span>
                  <span aria-hidden="true" className="mt-1 block h-1.5 rounded bg-slate-100">
                    <span
                      className="block h-1.5 rounded bg-blue-500"
                      style={{
                        width: `${Math.max(2, (step.sincePreviousSeconds / longest) * 100)}%`,
                      }}
                    />
                  </span>
                </>
              ) : null}
            </div>
          </li>
        ))}
      </ol>
      {timeline.waitingFor.length > 0 ? (
        <p className="mt-3 text-sm text-slate-600">
          Waiting for {timeline.waitingFor.join(", ")} to report the merge synced and healthy.
        </p>
      ) : null}
    </section>
  );
}
