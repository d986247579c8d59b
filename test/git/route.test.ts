import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoRepositorySeed } from "@/lib/demo/generate-repository";
import { ensureLocalRepository } from "@/lib/git/local/ensure-repository";
import { tempDir } from "./support";

// The App Router route reads the data directory from the configuration, which
// is parsed from the environment on first use: set it before the route loads.
describe("app/git/[...path] route", () => {
  let cleanup: () => Promise<void>;
  let route: typeof import("@/app/git/[...path]/route");
  let previous: string | undefined;

  beforeAll(async () => {
    const temp = await tempDir();
    cleanup = temp.cleanup;
    await ensureLocalRepository({
      dataDir: temp.dir,
      repository: "gitops",
      branch: "main",
      seed: demoRepositorySeed({ apps: 5 }),
    });
    previous = process.env.GANTRY_DATA_DIR;
    // This file serves the documented opt-in; route-auth.test.ts the default (a token is needed).
    process.env.GANTRY_GIT_ANONYMOUS_READ = "true";
    process.env.GANTRY_DATA_DIR = temp.dir;
    route = await import("@/app/git/[...path]/route");
  });

  afterAll(async () => {
    if (previous === undefined) delete process.env.GANTRY_DATA_DIR;
    else process.env.GANTRY_DATA_DIR = previous;
    await cleanup?.();
  });

  const context = (...path: string[]) => ({ params: Promise.resolve({ path }) });

  it("is dynamic and runs on Node", () => {
    expect(route.dynamic).toBe("force-dynamic");
    expect(route.runtime).toBe("nodejs");
  });

  it("serves the ref advertisement of the configured data directory", async () => {
    const response = await route.GET(
      new Request("http://localhost/git/gitops.git/info/refs?service=git-upload-pack"),
      context("gitops.git", "info", "refs"),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(
      "application/x-git-upload-pack-advertisement",
    );
    expect(await response.text()).toContain("refs/heads/main");
  });

  it("refuses pushes and traversal", async () => {
    const push = await route.POST(
      new Request("http://localhost/git/gitops.git/git-receive-pack", {
        method: "POST",
        body: "0000",
      }),
      context("gitops.git", "git-receive-pack"),
    );
    expect(push.status).toBe(403);
    const climb = await route.GET(
      new Request("http://localhost/git/x"),
      context("..", "..", "etc", "passwd"),
    );
    expect(climb.status).toBe(400);
  });
});
