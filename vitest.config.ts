import path from "node:path";
import { defineConfig } from "vitest/config";
import { ReverseSequencer } from "./test/support/reverse-sequencer.ts";

const alias = { "@": path.resolve(import.meta.dirname) };

// Three projects, so a run can pick the slice it needs:
// - unit: pure functions next to the code they test (lib/**),
// - integration: real Postgres and real git (test/**),
// - cluster: a real kube-apiserver + etcd started once per run (test/cluster/**).
export default defineConfig({
  resolve: { alias },
  test: {
    // GANTRY_TEST_ORDER=reverse runs the files in the mirror order, to find order-dependent tests.
    ...(process.env.GANTRY_TEST_ORDER === "reverse"
      ? { sequence: { sequencer: ReverseSequencer } }
      : {}),
    projects: [
      {
        resolve: { alias },
        test: {
          name: "unit",
          include: ["lib/**/*.test.ts", "components/**/*.test.ts"],
          environment: "node",
          // Some unit tests do real work (the demo generator's 420-app fleet, parsed whole):
          // a few seconds on a quiet machine, more while the other projects share both cores.
          testTimeout: 30_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: ["test/cluster/**"],
          globalSetup: ["test/support/global-setup.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        resolve: { alias },
        test: {
          name: "cluster",
          include: ["test/cluster/**/*.test.ts"],
          // Postgres too: some cluster tests follow a promotion through a real portal.
          globalSetup: ["test/support/global-setup.ts", "test/cluster/global-setup.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
