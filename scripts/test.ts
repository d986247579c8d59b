/**
 * `npm test`: every check, in the order a failure is cheapest to find, then
 * one closing line with the totals. Each step runs even when an earlier one
 * failed, so one run shows everything that is wrong.
 *
 *   lint (Biome, layers, dead code) → types (tsc) → migrations match the schema → Vitest
 *   (unit, integration with real Postgres and git, cluster with a real
 *   kube-apiserver) → production build → Playwright in Debian's Chromium
 *
 * `npm test -- --skip=e2e,cluster` leaves steps out while developing.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";

type Counts = { passed: number; failed: number; skipped: number; failures?: string[] };
type Step = {
  name: string;
  command: string[];
  /** Reads how many tests the step ran; steps without tests count as one check. */
  count?: () => Counts;
};

const root = path.resolve(import.meta.dirname, "..");
const reports = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-test-"));
const vitestReport = path.join(reports, "vitest.json");
const playwrightReport = path.join(reports, "playwright.json");
const skip = new Set(
  process.argv
    .filter((arg) => arg.startsWith("--skip="))
    .flatMap((arg) => arg.slice("--skip=".length).split(","))
    .filter(Boolean),
);
const bin = (name: string) => path.join(root, "node_modules", ".bin", name);

const vitestProjects = ["unit", "integration", "cluster"].filter((p) => !skip.has(p));

const steps: Step[] = [
  // The same as `npm run lint`: Biome, then the layers (dependency-cruiser), then dead code (knip).
  { name: "lint", command: ["npm", "run", "--silent", "lint"] },
  { name: "prisma generate", command: [bin("node"), "scripts/prisma.ts", "generate"] },
  { name: "types", command: [bin("tsc"), "--noEmit"] },
  { name: "migrations", command: [bin("node"), "scripts/check-migrations.ts"] },
  {
    name: "vitest",
    command: [
      bin("vitest"),
      "run",
      ...vitestProjects.flatMap((p) => ["--project", p]),
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${vitestReport}`,
    ],
    count: () => readVitest(vitestReport),
  },
  // Through scripts/build.ts, which stamps the build, so the e2e server does not build again.
  { name: "build", command: [bin("tsx"), "scripts/build.ts"] },
  {
    name: "e2e",
    command: [bin("playwright"), "test"],
    count: () => readPlaywright(playwrightReport),
  },
].filter((step) => !skip.has(step.name));

function run(step: Step): Promise<number> {
  return new Promise((resolve) => {
    const [command, ...args] = step.command;
    if (!command) return resolve(1);
    const child = spawn(command, args, {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightReport, FORCE_COLOR: "1" },
    });
    child.on("error", (error) => {
      console.error(`${step.name}: could not start ${command}: ${error.message}`);
      resolve(1);
    });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function readVitest(file: string): Counts {
  const report = JSON.parse(fs.readFileSync(file, "utf8")) as {
    numPassedTests: number;
    numFailedTests: number;
    numPendingTests: number;
    numTodoTests: number;
    testResults?: {
      name: string;
      status: string;
      message?: string;
      assertionResults?: { fullName: string; status: string; failureMessages?: string[] }[];
    }[];
  };
  const failures: string[] = [];
  for (const file of report.testResults ?? []) {
    const where = path.relative(root, file.name);
    const failed = (file.assertionResults ?? []).filter((test) => test.status === "failed");
    for (const test of failed) {
      failures.push(`${where} › ${test.fullName}${firstLine(test.failureMessages?.[0])}`);
    }
    // A file that failed outside any test (an import, a hook) has no failed assertion to name.
    if (file.status === "failed" && failed.length === 0) {
      failures.push(`${where} (the file itself)${firstLine(file.message)}`);
    }
  }
  return {
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
    failures,
  };
}

type PlaywrightSuite = {
  title: string;
  file?: string;
  suites?: PlaywrightSuite[];
  specs?: {
    title: string;
    file: string;
    line: number;
    tests: { status: string; results: { error?: { message?: string } }[] }[];
  }[];
};

function playwrightFailures(suites: PlaywrightSuite[] | undefined, titles: string[]): string[] {
  const failures: string[] = [];
  for (const suite of suites ?? []) {
    const inner = suite.file === suite.title ? titles : [...titles, suite.title];
    for (const spec of suite.specs ?? []) {
      for (const test of spec.tests) {
        if (test.status !== "unexpected") continue;
        const error = test.results.at(-1)?.error?.message;
        failures.push(
          `e2e/${spec.file}:${spec.line} › ${[...inner, spec.title].join(" › ")}${firstLine(error)}`,
        );
      }
    }
    failures.push(...playwrightFailures(suite.suites, inner));
  }
  return failures;
}

/** The first line of an error, without colour codes, to name why a test failed. */
function firstLine(message: string | undefined): string {
  const line = stripVTControlCharacters(message ?? "")
    .split("\n")
    .find((part) => part.trim());
  return line ? ` — ${line.trim().slice(0, 200)}` : "";
}

function readPlaywright(file: string): Counts {
  const report = JSON.parse(fs.readFileSync(file, "utf8")) as {
    stats: { expected: number; unexpected: number; flaky: number; skipped: number };
    suites?: PlaywrightSuite[];
  };
  return {
    passed: report.stats.expected + report.stats.flaky,
    failed: report.stats.unexpected,
    skipped: report.stats.skipped,
    failures: playwrightFailures(report.suites, []),
  };
}

const totals: Counts = { passed: 0, failed: 0, skipped: 0 };
const summary: string[] = [];
const failedTests: string[] = [];
for (const step of steps) {
  console.log(
    `\n━━ ${step.name} ━━ ${step.command.map((part) => path.relative(root, part) || part).join(" ")}`,
  );
  const started = Date.now();
  const code = await run(step);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  let counts: Counts =
    code === 0 ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 };
  if (step.count) {
    try {
      counts = step.count();
      // A runner that crashed after writing a clean report still failed.
      if (code !== 0 && counts.failed === 0) counts = { ...counts, failed: 1 };
    } catch {
      counts = { passed: 0, failed: 1, skipped: 0 };
      console.error(`${step.name}: the runner wrote no report (exit code ${code})`);
    }
  }
  if (code !== 0) {
    failedTests.push(
      ...(counts.failures?.length ? counts.failures : [`${step.name} (exit code ${code})`]),
    );
  }
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  summary.push(
    `${code === 0 ? "✔" : "✘"} ${step.name.padEnd(16)} ${String(counts.passed).padStart(4)} passed ${String(counts.failed).padStart(3)} failed ${String(counts.skipped).padStart(3)} skipped  ${seconds}s`,
  );
}

fs.rmSync(reports, { recursive: true, force: true });
console.log(`\n${summary.join("\n")}`);
if (failedTests.length > 0) {
  console.log(
    `\nFailed (${failedTests.length}):\n${failedTests.map((name) => `  ✘ ${name}`).join("\n")}`,
  );
}
console.log(`\nTotal: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed === 0 ? 0 : 1);
