import path from "node:path";
import { defineConfig, devices } from "@playwright/test";
import { chooseE2ePorts } from "./e2e/support/ports";

/**
 * End-to-end tests drive Debian's Chromium against the real portal: the
 * production build started by `scripts/start.ts` on its own data directory,
 * with its own embedded Postgres and its own seeded demo GitOps repository.
 * Nothing is mocked. Its ports are GANTRY_E2E_PORT and
 * GANTRY_E2E_POSTGRES_PORT, or two free ones chosen here (and handed to the
 * workers through the environment).
 */
const { port, postgresPort } = await chooseE2ePorts();
const dataDir = path.resolve(process.env.GANTRY_E2E_DATA_DIR ?? ".gantry/e2e");
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // scripts/test.ts asks for a JSON report (for the closing count) through PLAYWRIGHT_JSON_OUTPUT_NAME.
  reporter: process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? [["list"], ["json"]] : [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    viewport: { width: 1440, height: 900 },
  },
  projects: [
    {
      name: "chromium",
      use: {
        ...devices["Desktop Chrome"],
        viewport: { width: 1440, height: 900 },
        launchOptions: {
          executablePath: chromium,
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
          ],
        },
      },
    },
  ],
  webServer: {
    // Node itself, not the tsx CLI: tsx SIGKILLs its child when a signal is not
    // acknowledged within 30 ms, which would orphan the embedded Postgres.
    command: "node_modules/.bin/node --import tsx scripts/start.ts --fresh",
    url: `http://127.0.0.1:${port}/api/health`,
    // A cold build on a busy 2-core machine can take several minutes.
    timeout: 900_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
    env: {
      PORT: String(port),
      GANTRY_HOST: "127.0.0.1",
      GANTRY_DATA_DIR: dataDir,
      GANTRY_EMBEDDED_POSTGRES_PORT: String(postgresPort),
      GANTRY_PUBLIC_URL: `http://127.0.0.1:${port}`,
      DATABASE_URL: "",
      NODE_ENV: "production",
      // Releases soak seconds, not minutes, in test and staging, so e2e/release-loop.spec.ts
      // sees one go from dev to staging within its run.
      GANTRY_DEMO_SOAK_SECONDS: "5",
    },
  },
});
