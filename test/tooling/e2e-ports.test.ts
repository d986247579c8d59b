import net from "node:net";
import { describe, expect, it } from "vitest";
import { chooseE2ePorts, e2ePorts } from "../../e2e/support/ports";

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

describe("end-to-end ports", () => {
  it("picks two different free ports when none are set, and hands them on through the environment", async () => {
    const env: Record<string, string | undefined> = {};
    const chosen = await chooseE2ePorts(env);
    expect(chosen.port).not.toBe(chosen.postgresPort);
    expect(await canListen(chosen.port)).toBe(true);
    expect(await canListen(chosen.postgresPort)).toBe(true);
    expect(env.GANTRY_E2E_PORT).toBe(String(chosen.port));
    expect(env.GANTRY_E2E_POSTGRES_PORT).toBe(String(chosen.postgresPort));
    // What a worker (which inherits that environment) reads back:
    expect(e2ePorts(env)).toEqual(chosen);
  });

  it("keeps the ports that are set", async () => {
    const env: Record<string, string | undefined> = {
      GANTRY_E2E_PORT: "4321",
      GANTRY_E2E_POSTGRES_PORT: "55432",
    };
    expect(await chooseE2ePorts(env)).toEqual({ port: 4321, postgresPort: 55432 });
  });

  it("refuses a port that is not one, naming the variable", async () => {
    await expect(chooseE2ePorts({ GANTRY_E2E_PORT: "80a" })).rejects.toThrow(/GANTRY_E2E_PORT/);
    await expect(chooseE2ePorts({ GANTRY_E2E_POSTGRES_PORT: "70000" })).rejects.toThrow(
      /GANTRY_E2E_POSTGRES_PORT/,
    );
    expect(() => e2ePorts({})).toThrow(/run the specs through Playwright/);
  });
});
