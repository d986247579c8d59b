import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { isBuildCurrent } from "../../scripts/build";
import { freePort } from "../support/free-port";

const root = path.resolve(import.meta.dirname, "..", "..");

/**
 * `npm start` on `dataDir` and `port` with its own embedded Postgres and `demoApps` demo
 * applications, the demo feed off (`npm run dev` when the production build is not current),
 * detached: its own process group, to find and stop everything it started.
 */
export async function startNpm(params: {
  port: number;
  dataDir: string;
  demoApps: number;
}): Promise<ChildProcess> {
  const { port, dataDir, demoApps } = params;
  return spawn("npm", ["run", "--silent", isBuildCurrent() ? "start" : "dev"], {
    cwd: root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      PORT: String(port),
      GANTRY_HOST: "127.0.0.1",
      GANTRY_DATA_DIR: dataDir,
      GANTRY_EMBEDDED_POSTGRES_PORT: String(await freePort()),
      GANTRY_PUBLIC_URL: `http://127.0.0.1:${port}`,
      GANTRY_DEMO_APPS: String(demoApps),
      GANTRY_DEMO_FEED: "off",
      DATABASE_URL: "",
    },
  });
}
