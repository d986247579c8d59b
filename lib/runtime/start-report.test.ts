import { describe, expect, it } from "vitest";
import { framed, readyReport, stepLine } from "./start-report";

describe("npm start's output", () => {
  it("frames lines in a box as wide as the widest line", () => {
    const lines = framed(["short", "a longer line", "ünïcödé"]).trimEnd().split("\n");
    expect(lines).toEqual([
      "  ┌─────────────────┐",
      "  │  short          │",
      "  │  a longer line  │",
      "  │  ünïcödé        │",
      "  └─────────────────┘",
    ]);
  });

  it("ends with the URL, the data directory and, on a first start, the one-time password", () => {
    const report = readyReport({
      url: "http://127.0.0.1:3000",
      gitUrl: "http://127.0.0.1:3000/git/gitops.git",
      postgres: "embedded, port 54329",
      dataDir: "/srv/gantry",
      startedInMs: 41_234,
      firstAdmin: {
        email: "admin@gantry.local",
        password: "s3cret-once",
        file: "/srv/gantry/admin-password",
      },
    });
    expect(report).toContain("Gantry is up in 41.2s: http://127.0.0.1:3000");
    expect(report).toContain("Data             /srv/gantry");
    expect(report).toMatch(/Sign in as admin@gantry\.local[\s\S]*│ {6}s3cret-once +│/);
    expect(report.trimEnd().endsWith("┘")).toBe(true);
    const later = readyReport({
      url: "http://127.0.0.1:3000",
      gitUrl: "http://127.0.0.1:3000/git/gitops.git",
      postgres: "DATABASE_URL",
      dataDir: "/srv/gantry",
      startedInMs: 3_000,
    });
    expect(later).not.toMatch(/password/);
  });

  it("prints each step with the time since start and, when it ended, how long it took", () => {
    expect(stepLine({ elapsedMs: 1_250, mark: "✓", text: "database ready", tookMs: 1_100 })).toBe(
      "[   1.3s] ✓ database ready (1.1s)\n",
    );
    expect(stepLine({ elapsedMs: 0, mark: "…", text: "starting" })).toBe("[   0.0s] … starting\n");
  });
});
