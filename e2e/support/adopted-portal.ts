import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

/**
 * A second portal for specs that need a repository other than the demo
 * fleet: its own data directory, embedded Postgres and ports, started from
 * the same production build as the suite's portal, on a local GitOps
 * repository holding exactly `files` in one commit. The repository is
 * written before the portal starts, so the portal finds it and seeds nothing
 * (GANTRY_DEMO_SEED=false); no demo clusters report (GANTRY_DEMO_FEED=off).
 *
 *   const portal = await startAdoptedPortal({ name: "flux", files });
 *   ...
 *   await portal.stop();
 */
export interface AdoptedPortal {
  url: string;
  dataDir: string;
  postgresPort: number;
  /** `git` against the portal's bare repository: what is on main and on each branch. */
  git(args: string[]): string;
  stop(): Promise<void>;
}

const root = path.resolve(import.meta.dirname, "..", "..");
const REPOSITORY = "gitops";
/** A start on a busy 2-core machine (Postgres, migrations, import) takes a while; the build is already there. */
const START_TIMEOUT_MS = 240_000;

export async function startAdoptedPortal(params: {
  name: string;
  files: Record<string, string>;
}): Promise<AdoptedPortal> {
  const dataDir = path.join(root, ".gantry", `e2e-${params.name}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  const bare = path.join(dataDir, "git", `${REPOSITORY}.git`);
  writeRepository(path.join(dataDir, "work"), bare, params.files);

  const [port, postgresPort] = await twoFreePorts();
  const url = `http://127.0.0.1:${port}`;
  const log = fs.openSync(path.join(dataDir, "portal.log"), "a");
  const child = spawn(
    path.join(root, "node_modules", ".bin", "node"),
    ["--import", "tsx", "scripts/start.ts"],
    {
      cwd: root,
      stdio: ["ignore", log, log],
      env: {
        ...process.env,
        PORT: String(port),
        GANTRY_HOST: "127.0.0.1",
        GANTRY_DATA_DIR: dataDir,
        GANTRY_EMBEDDED_POSTGRES_PORT: String(postgresPort),
        GANTRY_PUBLIC_URL: url,
        GANTRY_GITOPS_REPO: REPOSITORY,
        GANTRY_DEMO_SEED: "false",
        GANTRY_DEMO_FEED: "off",
        DATABASE_URL: "",
        NODE_ENV: "production",
      },
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  try {
    await waitForHealth(url, child);
  } catch (error) {
    await stopChild(child, exited);
    const tail = fs.readFileSync(path.join(dataDir, "portal.log"), "utf8").slice(-3000);
    throw new Error(`${(error as Error).message}\n--- portal.log ---\n${tail}`);
  }
  return {
    url,
    dataDir,
    postgresPort,
    git: (args) => execFileSync("git", ["--git-dir", bare, ...args], { encoding: "utf8" }),
    stop: () => stopChild(child, exited),
  };
}

function writeRepository(work: string, bare: string, files: Record<string, string>): void {
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
    fs.writeFileSync(path.join(work, file), content);
  }
  const git = (cwd: string, args: string[]) =>
    execFileSync("git", args, {
      cwd,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: "Platform Team",
        GIT_AUTHOR_EMAIL: "platform@example.com",
        GIT_COMMITTER_NAME: "Platform Team",
        GIT_COMMITTER_EMAIL: "platform@example.com",
      },
    });
  git(work, ["init", "--quiet", "--initial-branch=main"]);
  git(work, ["add", "--all"]);
  git(work, ["commit", "--quiet", "-m", "the repository as the team has it"]);
  fs.mkdirSync(path.dirname(bare), { recursive: true });
  git(root, ["clone", "--quiet", "--bare", work, bare]);
  fs.rmSync(work, { recursive: true, force: true });
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the portal exited with code ${child.exitCode}`);
    const healthy = await fetch(`${url}/api/health`).then(
      (answer) => answer.ok,
      () => false,
    );
    if (healthy) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the portal at ${url} was not healthy within ${START_TIMEOUT_MS / 1000} s`);
}

/** SIGTERM, as Playwright stops the suite's portal: it stops its jobs and its embedded Postgres. */
async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  await exited;
}

/** Two ports free right now, the first held until the second is chosen so they differ. */
async function twoFreePorts(): Promise<[number, number]> {
  const servers: net.Server[] = [];
  try {
    const hold = () => {
      const server = net.createServer();
      servers.push(server);
      return new Promise<number>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => {
          const address = server.address();
          if (typeof address === "object" && address) resolve(address.port);
          else reject(new Error("no port was given"));
        });
      });
    };
    return [await hold(), await hold()];
  } finally {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}
