import net from "node:net";

/**
 * The two ports of an end-to-end run: the portal's and its embedded
 * Postgres's. playwright.config.ts chooses them once, in the runner, and
 * writes them back into the environment, which every worker inherits; specs
 * and helpers read them from there with `e2ePorts()`. Set
 * GANTRY_E2E_PORT / GANTRY_E2E_POSTGRES_PORT to fix them; unset, two ports
 * free right now are picked, so runs on a shared machine do not collide.
 */
export interface E2ePorts {
  port: number;
  postgresPort: number;
}

type Environment = Record<string, string | undefined>;

const VARIABLES = { port: "GANTRY_E2E_PORT", postgresPort: "GANTRY_E2E_POSTGRES_PORT" } as const;

export async function chooseE2ePorts(env: Environment = process.env): Promise<E2ePorts> {
  const held: net.Server[] = [];
  try {
    // Each picked port stays bound until both are chosen, so the two can never coincide.
    const pick = async (name: string) => parsePort(env, name) ?? (await holdFreePort(held));
    const ports = {
      port: await pick(VARIABLES.port),
      postgresPort: await pick(VARIABLES.postgresPort),
    };
    env[VARIABLES.port] = String(ports.port);
    env[VARIABLES.postgresPort] = String(ports.postgresPort);
    return ports;
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** The ports the runner chose (in a worker, or in the config after `chooseE2ePorts`). */
export function e2ePorts(env: Environment = process.env): E2ePorts {
  const port = parsePort(env, VARIABLES.port);
  const postgresPort = parsePort(env, VARIABLES.postgresPort);
  if (port === undefined || postgresPort === undefined) {
    throw new Error(
      `${VARIABLES.port} and ${VARIABLES.postgresPort} are not set: run the specs through Playwright (playwright.config.ts chooses them)`,
    );
  }
  return { port, postgresPort };
}

function parsePort(env: Environment, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const port = Number(raw);
  if (!/^\d{1,5}$/.test(raw) || port < 1 || port > 65_535) {
    throw new Error(`${name} must be a TCP port (1-65535), got "${raw.slice(0, 20)}"`);
  }
  return port;
}

/** `count` distinct ports free right now (for processes a spec starts itself). */
export async function holdFreePorts(count: number): Promise<number[]> {
  const held: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(await holdFreePort(held));
    return ports;
  } finally {
    await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

function holdFreePort(held: net.Server[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      held.push(server);
      const address = server.address();
      if (address && typeof address === "object") resolve(address.port);
      else reject(new Error("could not pick a free port"));
    });
  });
}
