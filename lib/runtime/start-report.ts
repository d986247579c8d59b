/**
 * What `npm start` prints: one line per step with the time since start, and
 * at the very end, where it is seen, the addresses and the sign-in, framed.
 */

export type StepLine = { elapsedMs: number; mark: "…" | "✓" | "✘"; text: string; tookMs?: number };

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** `[  12.3s] ✓ portal built (41.0s)`: elapsed since start, then the step. */
export function stepLine(line: StepLine): string {
  const took = line.tookMs === undefined ? "" : ` (${seconds(line.tookMs)})`;
  return `[${seconds(line.elapsedMs).padStart(7)}] ${line.mark} ${line.text}${took}\n`;
}

/** Lines in a box drawn with box characters, each line padded to the widest. */
export function framed(lines: readonly string[]): string {
  const width = Math.max(...lines.map((line) => [...line].length));
  const pad = (line: string) => line + " ".repeat(width - [...line].length);
  const rule = "─".repeat(width + 4);
  return [`  ┌${rule}┐`, ...lines.map((line) => `  │  ${pad(line)}  │`), `  └${rule}┘`, ""].join(
    "\n",
  );
}

export type ReadyReport = {
  url: string;
  gitUrl: string;
  postgres: string;
  dataDir: string;
  startedInMs: number;
  /** The first admin's one-time password, on the start that made it. */
  firstAdmin?: { email: string; password: string; file: string };
};

/** The closing block: where Gantry is, how to sign in, how to stop it. */
export function readyReport(report: ReadyReport): string {
  const lines = [
    `Gantry is up in ${seconds(report.startedInMs)}: ${report.url}`,
    "",
    `Git (read-only)  ${report.gitUrl}`,
    `Postgres         ${report.postgres}`,
    `Data             ${report.dataDir}`,
    "Stop             Ctrl+C (or SIGTERM to this process)",
  ];
  if (report.firstAdmin) {
    lines.push(
      "",
      `Sign in as ${report.firstAdmin.email} with this one-time password:`,
      "",
      `    ${report.firstAdmin.password}`,
      "",
      "You will choose your own at the first sign-in. Until then it is",
      `also in ${report.firstAdmin.file} (mode 0600).`,
    );
  }
  return `\n${framed(lines)}\n`;
}
