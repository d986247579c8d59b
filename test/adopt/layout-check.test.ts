import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { formatLayoutReport } from "@/lib/catalogue/check-layout";
import { checkFiles } from "./check-files";
import { argocdListApplicationSet, kustomizeOverlays, pathsMonorepo } from "./fixtures";

const run = promisify(execFile);

describe("gantry layout check", () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("prints every cell with its version, file and locator", async () => {
    const result = await checkFiles(kustomizeOverlays());
    if (!result.ok) throw new Error(result.error.message);
    expect(formatLayoutReport(result.report)).toBe(
      [
        "layout: gantry.yaml",
        "environments: dev, prod",
        "rules (1):",
        "  1. kustomize overlays/{env}/kustomization.yaml: 2 apps, 4 cells",
        "cells (4):",
        "  api dev      v1.3.0  overlays/dev/kustomization.yaml → images[name=ghcr.io/acme/api]",
        "  api prod     v1.2.0  overlays/prod/kustomization.yaml → images[name=ghcr.io/acme/api]",
        "  worker dev   2.1.0  overlays/dev/kustomization.yaml → images[name=ghcr.io/acme/worker]",
        "  worker prod  2.1.0  overlays/prod/kustomization.yaml → images[name=ghcr.io/acme/worker]",
        "skipped (0):",
        "",
      ].join("\n"),
    );
  });

  it("lists every skipped file with why", async () => {
    const result = await checkFiles({
      ...pathsMonorepo(),
      "qa/payments/checkout-api/values.yaml": "image:\n  tag: 1.0.0\n",
      "dev/payments/broken/values.yaml": "image:\n  tag: [1.0\n",
    });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.report.skipped.map((s) => `${s.file}:${s.line ?? ""}: ${s.reason}`)).toEqual([
      'qa/payments/checkout-api/values.yaml:: environment "qa" is not one of dev, staging, prod; list it (or add it as an alias) in the environments',
      expect.stringMatching(/^dev\/payments\/broken\/values\.yaml:3: YAML syntax: /),
    ]);
  });

  it("a 50 MB values file and one that is not UTF-8 are one problem each; the other cells stay", async () => {
    const result = await checkFiles({
      ...pathsMonorepo(),
      "dev/payments/huge/values.yaml": `image:\n  tag: 1.0.0\npadding: "${"x".repeat(50 * 1024 * 1024)}"\n`,
      "dev/payments/latin/values.yaml": "# caf\uFFFD\nimage:\n  tag: 1.0.0\n",
    });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.report.cells.filter((c) => c.version !== null)).toHaveLength(5);
    expect(result.report.skipped).toEqual([
      {
        file: "dev/payments/huge/values.yaml",
        app: "huge",
        line: 1,
        column: 1,
        reason: "the file is larger than 1024 KiB (51201 KiB); it is not read",
      },
      {
        file: "dev/payments/latin/values.yaml",
        app: "latin",
        line: 1,
        column: 6,
        reason: "the file is not valid UTF-8; it is skipped",
      },
    ]);
  });

  it("reports an ApplicationSet it cannot expand, with its file and name", async () => {
    const result = await checkFiles(argocdListApplicationSet());
    if (!result.ok) throw new Error(result.error.message);
    expect(result.report.cells.map((c) => `${c.app} ${c.environment} ${c.version}`)).toEqual([
      "billing staging 3.2.0",
      "billing prod 3.1.0",
    ]);
    expect(result.report.skipped[0]).toMatchObject({
      file: "appsets/clusters.yaml",
      reason: expect.stringContaining(
        "ApplicationSet addons: generators[0] (clusters) is not expandable here",
      ),
    });
  });

  it("reads a repository without gantry.yaml as the convention", async () => {
    const result = await checkFiles({
      "environments.yaml":
        "environments:\n  - name: dev\n    displayName: Dev\n    clusters: [{ name: dev-1 }]\n",
      "apps/api/app.yaml": "name: API\nteam: payments\nchart: web\n",
      "apps/api/envs/dev/values.yaml": "image:\n  tag: 1.0.0\n",
    });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.report).toMatchObject({
      layoutFile: null,
      cells: [{ app: "api", environment: "dev", version: "1.0.0" }],
    });
  });

  it("the command exits 1 on a broken layout file, naming its line and column", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-layout-"));
    dirs.push(dir);
    for (const [file, content] of Object.entries(pathsMonorepo())) {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), content.replace("{env}/{team}", "{env}/{squad}"));
    }
    const failure = await run(
      path.resolve("node_modules/.bin/tsx"),
      ["cli/gantry.ts", "layout", "check", "--repo", dir],
      { env: { ...process.env, GANTRY_DATA_DIR: dir } },
    ).then(
      () => null,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toBe(
      "gantry: gantry.yaml:19:15: discovery[0].template: unknown placeholder {squad}; a template may use {app}, {env}, {team}, {*}\n",
    );
    // Starting the command line (tsx compiling it) is slow on a busy machine.
  }, 180_000);
});
