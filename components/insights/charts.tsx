"use client";

import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

/**
 * The insights charts (recharts, in the browser). They take plain series
 * and draw them; every chart's numbers are also in a table beside it
 * (ChartFigure), for screen readers and for copying.
 */

const HEIGHT = 240;
const STYLE = { width: "100%", height: HEIGHT } as const;
// Room on the right for the last week's tick label, which recharts centres on its point.
const MARGIN = { top: 8, right: 24, bottom: 4, left: 4 };
// currentColor: the figure's text colour, so the ticks read in light and dark mode alike.
const AXIS = { fontSize: 12, fill: "currentColor" };
const BLUE = "#1d4ed8";
const AMBER = "#b45309";
const RED = "#b91c1c";

/**
 * Hours as an axis tick: one decimal only while it says something, so a slow
 * week ("126 h") fits beside the axis as well as a fast one ("0.5 h").
 */
export function hoursTick(value: number): string {
  if (!Number.isFinite(value)) return "";
  return `${value >= 10 ? Math.round(value) : Number(value.toFixed(1))} h`;
}

/** "2026-11-03" → "3 Nov". */
function shortDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return date.toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
}

export interface DailyPoint {
  day: string;
  deployments: number;
}

export function DeploymentsChart({ data, label }: { data: DailyPoint[]; label: string }) {
  return (
    <BarChart responsive style={STYLE} data={data} margin={MARGIN} title={label}>
      <CartesianGrid strokeDasharray="3 3" vertical={false} />
      <XAxis dataKey="day" tickFormatter={shortDay} tick={AXIS} minTickGap={16} />
      <YAxis allowDecimals={false} tick={AXIS} width="auto" />
      <Tooltip labelFormatter={(day) => shortDay(String(day))} />
      <Bar
        dataKey="deployments"
        name="Deployments"
        fill={BLUE}
        isAnimationActive={false}
        className="insights-mark"
      />
    </BarChart>
  );
}

export interface WeeklyHoursPoint {
  week: string;
  median: number | null;
  p90: number | null;
}

/** Lead time or time to restore per week, in hours: median and p90 lines. */
export function WeeklyHoursChart({ data, label }: { data: WeeklyHoursPoint[]; label: string }) {
  return (
    <LineChart responsive style={STYLE} data={data} margin={MARGIN} title={label}>
      <CartesianGrid strokeDasharray="3 3" vertical={false} />
      <XAxis dataKey="week" tickFormatter={(week) => `wk ${shortDay(String(week))}`} tick={AXIS} />
      {/* "auto": as wide as the longest tick label, so none is cut off. */}
      <YAxis tick={AXIS} width="auto" tickFormatter={(value) => hoursTick(Number(value))} />
      <Tooltip
        labelFormatter={(week) => `Week of ${shortDay(String(week))}`}
        formatter={(value) => (typeof value === "number" ? `${value.toFixed(1)} h` : "—")}
      />
      <Legend />
      <Line
        type="monotone"
        dataKey="median"
        name="Median"
        stroke={BLUE}
        strokeWidth={2}
        dot={{ r: 3 }}
        connectNulls
        isAnimationActive={false}
        className="insights-mark"
      />
      <Line
        type="monotone"
        dataKey="p90"
        name="90th percentile"
        stroke={AMBER}
        strokeWidth={2}
        strokeDasharray="5 3"
        dot={{ r: 3 }}
        connectNulls
        isAnimationActive={false}
        className="insights-mark"
      />
    </LineChart>
  );
}

export interface WeeklyRatePoint {
  week: string;
  /** Percent, 0–100; null when nothing changed that week. */
  rate: number | null;
}

export function ChangeFailureChart({ data, label }: { data: WeeklyRatePoint[]; label: string }) {
  return (
    <BarChart responsive style={STYLE} data={data} margin={MARGIN} title={label}>
      <CartesianGrid strokeDasharray="3 3" vertical={false} />
      <XAxis dataKey="week" tickFormatter={(week) => `wk ${shortDay(String(week))}`} tick={AXIS} />
      <YAxis
        tick={AXIS}
        width="auto"
        domain={[0, "auto"]}
        tickFormatter={(value) => `${Number(value).toFixed(0)} %`}
      />
      <Tooltip
        labelFormatter={(week) => `Week of ${shortDay(String(week))}`}
        formatter={(value) => (typeof value === "number" ? `${value.toFixed(1)} %` : "—")}
      />
      <Bar
        dataKey="rate"
        name="Change failure rate"
        fill={RED}
        isAnimationActive={false}
        className="insights-mark"
      />
    </BarChart>
  );
}
