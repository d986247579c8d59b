import { spawnSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

/**
 * test/cluster/build.sh must say plainly which Go it needs when Go is missing
 * or too old, before it starts anything. Run with a PATH of only the few
 * tools it uses up to that point, plus (for "too old") a fake `go`.
 */
const script = path.resolve(import.meta.dirname, "..", "cluster", "build.sh");
const goNeeded = /^go (\S+)$/m.exec(
  await fs.readFile(path.resolve(import.meta.dirname, "..", "cluster", "go.mod"), "utf8"),
)?.[1];

describe("test/cluster/build.sh", () => {
  let bin: string;
  beforeEach(async () => {
    bin = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-build-sh-"));
    for (const tool of ["dirname", "awk"]) {
      const found = spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" });
      await fs.symlink(found.stdout.trim(), path.join(bin, tool));
    }
  });
  afterEach(async () => {
    await fs.rm(bin, { recursive: true, force: true });
  });

  function run() {
    return spawnSync("/bin/bash", [script], {
      encoding: "utf8",
      env: { PATH: bin, GANTRY_CACHE_DIR: path.join(bin, "cache"), HOME: bin, NODE_ENV: "test" },
    });
  }

  it("names the Go version go.mod needs when go is not on PATH", () => {
    expect(goNeeded).toBeDefined();
    const result = run();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Go ${goNeeded} or later is needed`);
    expect(result.stderr).toContain("'go' is not on PATH");
  });

  it("refuses a Go older than go.mod needs, naming both versions", async () => {
    const fakeGo = path.join(bin, "go");
    await fs.writeFile(fakeGo, '#!/bin/bash\n[[ "$*" == "env GOVERSION" ]] && echo go1.21.4\n', {
      mode: 0o755,
    });
    const result = run();
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`Go ${goNeeded} or later is needed`);
    expect(result.stderr).toContain("is Go 1.21.4");
    expect(await fs.stat(path.join(bin, "cache")).catch(() => undefined)).toBeUndefined();
  });
});
