import { Badge, type BadgeTone } from "@/components/ui/badge";
import {
  BAND_MEANINGS,
  bandInWords,
  type DoraBand,
  durationInWords,
} from "@/lib/insights/dora-bands";
import type { DoraMeasures } from "@/lib/insights/dora-measures";

const BAND_TONE: Record<DoraBand, BadgeTone> = {
  elite: "success",
  high: "info",
  medium: "warning",
  low: "danger",
};

function Tile(props: {
  title: string;
  value: string;
  detail: string;
  band: DoraBand | null;
  meaning: Record<DoraBand, string>;
}) {
  const id = `tile-${props.title.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  return (
    <section
      aria-labelledby={id}
      className="rounded-lg border border-slate-200 bg-white p-4"
      data-testid="measure-tile"
    >
      <h2 id={id} className="text-sm font-medium text-slate-600">
        {props.title}
      </h2>
      <p className="mt-1 text-2xl font-semibold tracking-tight">{props.value}</p>
      <p className="mt-1 text-xs text-slate-600">{props.detail}</p>
      <p className="mt-2 text-xs text-slate-700">
        {props.band ? (
          <>
            <Badge tone={BAND_TONE[props.band]}>{bandInWords(props.band)}</Badge>{" "}
            <span>{props.meaning[props.band]}</span>
          </>
        ) : (
          <span>No band: nothing to measure in this period</span>
        )}
      </p>
    </section>
  );
}

/** The four headline measures with their DORA band. */
export function MeasureTiles({ measures }: { measures: DoraMeasures }) {
  const t = measures.totals;
  const percent =
    t.changeFailureRate === null ? "—" : `${(t.changeFailureRate * 100).toFixed(1)} %`;
  return (
    <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 xl:grid-cols-4">
      <Tile
        title="Deployment frequency"
        value={`${t.deploymentsPerDay.toFixed(1)} per day`}
        detail={`${t.deployments} deployments by ${t.applications} applications; ${t.deploymentsPerApplicationPerDay.toFixed(2)} per application per day`}
        band={measures.bands.deploymentFrequency}
        meaning={BAND_MEANINGS.deploymentFrequency}
      />
      <Tile
        title="Lead time for changes"
        value={t.leadTimeMedianSeconds === null ? "—" : durationInWords(t.leadTimeMedianSeconds)}
        detail={
          t.leadTimeP90Seconds === null
            ? "median, pull request opened → deployed"
            : `median; 90th percentile ${durationInWords(t.leadTimeP90Seconds)}`
        }
        band={measures.bands.leadTime}
        meaning={BAND_MEANINGS.leadTime}
      />
      <Tile
        title="Change failure rate"
        value={percent}
        detail={`${t.failures} of ${t.changes} changes failed or were rolled back`}
        band={measures.bands.changeFailureRate}
        meaning={BAND_MEANINGS.changeFailureRate}
      />
      <Tile
        title="Time to restore"
        value={
          t.timeToRestoreMedianSeconds === null
            ? "—"
            : durationInWords(t.timeToRestoreMedianSeconds)
        }
        detail={`median of ${t.restored} restored failures${
          t.timeToRestoreP90Seconds === null
            ? ""
            : `; 90th percentile ${durationInWords(t.timeToRestoreP90Seconds)}`
        }${t.restoreFailures > t.restored ? `; ${t.restoreFailures - t.restored} not restored yet` : ""}`}
        band={measures.bands.timeToRestore}
        meaning={BAND_MEANINGS.timeToRestore}
      />
    </div>
  );
}
