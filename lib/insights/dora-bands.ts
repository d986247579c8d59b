/**
 * The DORA performance bands of the 2023 Accelerate State of DevOps report
 * (elite, high, medium, low), as thresholds on Gantry's four measures. The
 * report describes clusters, not cut-offs; where it gives a range we take
 * its bounds, and for the change failure rate the clusters' values (5 %,
 * 10 %, 15 %) as the upper bound of each band.
 */
export type DoraBand = "elite" | "high" | "medium" | "low";

const DAY = 86_400;
const HOUR = 3_600;

/** Deployments per application per day: on demand (daily or more) / weekly / monthly / less. */
export function deploymentFrequencyBand(perApplicationPerDay: number): DoraBand {
  if (perApplicationPerDay >= 1) return "elite";
  if (perApplicationPerDay >= 1 / 7) return "high";
  if (perApplicationPerDay >= 1 / 30) return "medium";
  return "low";
}

/** Lead time for changes (seconds): under a day / a week / a month / longer. */
export function leadTimeBand(seconds: number): DoraBand {
  if (seconds < DAY) return "elite";
  if (seconds < 7 * DAY) return "high";
  if (seconds < 30 * DAY) return "medium";
  return "low";
}

/** Change failure rate (0–1): up to 5 % / 10 % / 15 % / more. */
export function changeFailureRateBand(rate: number): DoraBand {
  if (rate <= 0.05) return "elite";
  if (rate <= 0.1) return "high";
  if (rate <= 0.15) return "medium";
  return "low";
}

/** Time to restore (seconds): under an hour / a day / a week / longer. */
export function timeToRestoreBand(seconds: number): DoraBand {
  if (seconds < HOUR) return "elite";
  if (seconds < DAY) return "high";
  if (seconds < 7 * DAY) return "medium";
  return "low";
}

const BAND_WORDS: Record<DoraBand, string> = {
  elite: "Elite",
  high: "High",
  medium: "Medium",
  low: "Low",
};

export function bandInWords(band: DoraBand): string {
  return BAND_WORDS[band];
}

/** What each band means for each measure, in the report's words. */
export const BAND_MEANINGS = {
  deploymentFrequency: {
    elite: "on demand: at least daily per application",
    high: "between once a day and once a week per application",
    medium: "between once a week and once a month per application",
    low: "less than once a month per application",
  },
  leadTime: {
    elite: "less than a day",
    high: "between a day and a week",
    medium: "between a week and a month",
    low: "more than a month",
  },
  changeFailureRate: {
    elite: "5 % or less",
    high: "10 % or less",
    medium: "15 % or less",
    low: "more than 15 %",
  },
  timeToRestore: {
    elite: "less than an hour",
    high: "less than a day",
    medium: "less than a week",
    low: "a week or more",
  },
} as const satisfies Record<string, Record<DoraBand, string>>;

/** A duration in the largest unit that keeps it readable: "45 min", "3.2 h", "2.5 days". */
export function durationInWords(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < HOUR) return `${Math.round(seconds / 60)} min`;
  if (seconds < DAY) return `${(seconds / HOUR).toFixed(1)} h`;
  return `${(seconds / DAY).toFixed(1)} days`;
}
