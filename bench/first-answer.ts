/**
 * `node --import tsx bench/first-answer.ts [--times N]`: how long `npm start`
 * takes to its first answer. Starts the portal (in this checkout, with its
 * settings from the environment), asks GET /api/health every 250 ms until it
 * answers 200, prints the seconds, stops the portal (SIGTERM) and, with
 * --times 2, does it again: the first figure is a first start on an empty
 * data directory and a missing build, the second a later start. Writes
 * bench/results/first-answer.json (`firstAnswerSeconds` per start).
 * BENCH_TIMES stands in for --times (the smoke run sets it).
 */
import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { writeResults } from "./support";

const { values } = parseArgs({
  options: { times: { type: "string", default: process.env.BENCH_TIMES ?? "1" } },
});
const times = Number(values.times);
if (!Number.isInteger(times) || times < 1 || times > 5) {
  throw new Error("--times takes a whole number from 1 to 5");
}
const port = process.env.PORT ?? "3000";
const url = `http://127.0.0.1:${port}/api/health`;

async function answers(): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).status === 200;
  } catch {
    return false;
  }
}

const seconds: number[] = [];
for (let run = 1; run <= times; run++) {
  if (await answers()) throw new Error(`something already answers on ${url}`);
  const started = performance.now();
  const portal = spawn("npm", ["start"], { stdio: ["ignore", "inherit", "inherit"] });
  const exited = new Promise<number | null>((resolve) => portal.on("exit", resolve));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  while (!(await answers())) {
    if (gone) throw new Error("npm start exited before it answered");
    await sleep(250);
  }
  const tookSeconds = (performance.now() - started) / 1000;
  seconds.push(Math.round(tookSeconds * 10) / 10);
  process.stderr.write(
    `\nfirst-answer: start ${run}: first 200 from ${url} after ${tookSeconds.toFixed(1)} s\n`,
  );
  portal.kill("SIGTERM");
  await exited;
}

writeResults("first-answer", {
  measuredAt: new Date().toISOString(),
  command: "npm run bench:start -- --times N (with PORT and GANTRY_DATA_DIR from the environment)",
  dataDir: process.env.GANTRY_DATA_DIR ?? ".gantry",
  // The first start on an empty data directory; later ones reuse its build and database.
  firstAnswerSeconds: seconds,
});
