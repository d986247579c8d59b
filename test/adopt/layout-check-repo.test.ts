import { execFile, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { pathsMonorepo } from "./fixtures";

const run = promisify(execFile);

/** `gantry layout check` as a person runs it, with its own temporary directory to look into. */
async function layoutCheck(repo: string, tmp: string) {
  return run(
    path.resolve("node_modules/.bin/tsx"),
    ["cli/gantry.ts", "layout", "check", "--repo", repo],
    { env: { ...process.env, GANTRY_DATA_DIR: tmp, TMPDIR: tmp } },
  ).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code,
      stdout: error.stdout ?? "",
      stderr: error.stderr ?? "",
    }),
  );
}

function writeTree(dir: string, files: Record<string, string | Buffer>): void {
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
}

function commitAll(dir: string): void {
  const git = (...args: string[]) =>
    execFileSync("git", [
      "-C",
      dir,
      "-c",
      "user.name=t",
      "-c",
      "user.email=t@example.com",
      ...args,
    ]);
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("commit", "-q", "-m", "the fleet");
}

// Each case starts the command line (tsx compiling it): slow on a busy machine.
const SLOW = 180_000;

describe("gantry layout check --repo", () => {
  const dirs: string[] = [];
  const made = (name: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gantry-${name}-`));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it(
    "reads a repository URL through a shallow clone, and removes the clone afterwards",
    async () => {
      const origin = made("origin");
      writeTree(origin, pathsMonorepo());
      commitAll(origin);
      // A file only in the working tree is not in the repository: the clone must not see it.
      writeTree(origin, { "dev/search/uncommitted/values.yaml": "image:\n  tag: 9.9.9\n" });
      const tmp = made("tmp");

      const result = await layoutCheck(`file://${origin}`, tmp);

      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      expect(result.stdout).toContain("layout: gantry.yaml\n");
      expect(result.stdout).toMatch(
        / {2}1\. paths \{env\}\/\{team\}\/\{app\}\/values\.yaml: 2 apps, 5 cells\n/,
      );
      expect(result.stdout).toMatch(
        /checkout-api prod +2\.3\.1 +production\/payments\/checkout-api\/values\.yaml → image\.tag/,
      );
      expect(result.stdout).not.toContain("uncommitted");
      expect(fs.readdirSync(tmp).filter((name) => name.startsWith("gantry-layout-"))).toEqual([]);
    },
    SLOW,
  );

  it(
    "an unreachable URL is a clear error naming it without credentials: exit 2, no stack, nothing left behind",
    async () => {
      const tmp = made("tmp");
      const missing = path.join(tmp, "no-such-repository");

      const local = await layoutCheck(`file://${missing}`, tmp);
      expect(local.code).toBe(2);
      expect(local.stdout).toBe("");
      expect(local.stderr).toMatch(new RegExp(`^gantry: .*could not clone file://${missing}: `));
      expect(local.stderr).not.toMatch(/\n {4}at /);

      const remote = await layoutCheck(
        "https://robot:s3cret-token@127.0.0.1:1/acme/gitops.git",
        tmp,
      );
      expect(remote.code).toBe(2);
      expect(remote.stderr).toContain("could not clone https://127.0.0.1:1/acme/gitops.git: ");
      expect(remote.stderr).not.toContain("s3cret-token");
      expect(remote.stderr).not.toContain("robot");
      expect(remote.stderr.trim().split("\n")).toHaveLength(1);
      expect(fs.readdirSync(tmp).filter((name) => name.startsWith("gantry-layout-"))).toEqual([]);
    },
    SLOW,
  );

  it(
    "a checkout's file that is not UTF-8 is one problem naming the file and the byte, never re-encoded",
    async () => {
      const checkout = made("checkout");
      const latin1 = Buffer.concat([
        Buffer.from("# propri"),
        Buffer.from([0xe9]),
        Buffer.from("taire: caf"),
        Buffer.from([0xe9]),
        Buffer.from("\nimage:\n  tag: 0.9.0\n"),
      ]);
      writeTree(checkout, { ...pathsMonorepo(), "dev/search/indexer/values.yaml": latin1 });
      const before = fs.readFileSync(path.join(checkout, "dev/search/indexer/values.yaml"));

      const result = await layoutCheck(checkout, made("tmp"));

      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        "  dev/search/indexer/values.yaml:1:9: the file is not UTF-8 (byte 0xe9 at byte 9); save it as UTF-8: Gantry does not read or rewrite it\n",
      );
      expect(result.stdout).toContain("skipped (1):");
      expect(fs.readFileSync(path.join(checkout, "dev/search/indexer/values.yaml"))).toEqual(
        before,
      );
    },
    SLOW,
  );
});

describe("gantry layout check --repo URL, stopped with Ctrl-C", () => {
  const servers: net.Server[] = [];
  const dirs: string[] = [];
  afterAll(() => {
    for (const server of servers) server.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it(
    "removes its temporary clone and ends as interrupted",
    async () => {
      // A host that accepts the connection and never answers: the clone waits.
      const sockets: net.Socket[] = [];
      const server = net.createServer((socket) => sockets.push(socket));
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const { port } = server.address() as net.AddressInfo;
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-tmp-"));
      dirs.push(tmp);
      const child = spawn(
        path.resolve("node_modules/.bin/tsx"),
        ["cli/gantry.ts", "layout", "check", "--repo", `http://127.0.0.1:${port}/acme/gitops.git`],
        { env: { ...process.env, GANTRY_DATA_DIR: tmp, TMPDIR: tmp }, stdio: "pipe" },
      );
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      const clones = () => fs.readdirSync(tmp).filter((name) => name.startsWith("gantry-layout-"));
      // Waits for the clone to be under way: its directory exists and git has connected.
      await expect
        .poll(() => clones().length > 0 && sockets.length > 0, { timeout: 120_000 })
        .toBe(true);
      child.kill("SIGINT");
      expect(await exited).toBe(130);
      for (const socket of sockets) socket.destroy();
      expect(clones()).toEqual([]);
    },
    SLOW,
  );
});
