import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embeddedPostgresPaths, startEmbeddedPostgres } from "@/lib/postgres/embedded";
import { assertPortFree, firstClosedDirectory } from "@/lib/postgres/preflight";
import { freePort } from "../support/free-port";

/** Start-up failures of the embedded Postgres say what is wrong and what to do. */
describe("embedded Postgres pre-flight", () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-preflight-"));
  });
  afterAll(async () => {
    await fs.rm(scratch, { recursive: true, force: true });
  });

  it("finds the first directory another account cannot enter (a mktemp folder is 0700)", async () => {
    const target = path.join(scratch, "data", "postgres");
    const stranger = { uid: 424_242, gid: 424_242 };
    expect(await firstClosedDirectory(target, stranger)).toMatchObject({
      directory: scratch,
      mode: 0o700,
    });
    await fs.chmod(scratch, 0o711);
    try {
      expect(await firstClosedDirectory(target, stranger)).toBeUndefined();
    } finally {
      await fs.chmod(scratch, 0o700);
    }
  });

  it.runIf(process.getuid?.() === 0)(
    "as root, names the directory the postgres account cannot enter instead of EACCES spawn initdb",
    async () => {
      const dataDir = path.join(scratch, "gantry-data");
      await expect(
        startEmbeddedPostgres({ dataDir, port: await freePort(), disposable: true }),
      ).rejects.toThrow(
        new RegExp(
          `"postgres" account, which cannot enter ${scratch} \\(mode 0700.*Set GANTRY_DATA_DIR`,
        ),
      );
    },
  );

  it("names the port and the setting when the port is taken", async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const address = taken.address();
    const port = address && typeof address === "object" ? address.port : 0;
    try {
      await expect(assertPortFree("127.0.0.1", port)).rejects.toThrow(
        `port ${port} on 127.0.0.1 is already in use by another program. Set GANTRY_EMBEDDED_POSTGRES_PORT`,
      );
      const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-preflight-port-"));
      await fs.chmod(dataDir, 0o755);
      try {
        await expect(startEmbeddedPostgres({ dataDir, port, disposable: true })).rejects.toThrow(
          /already in use by another program/,
        );
      } finally {
        await fs.rm(dataDir, { recursive: true, force: true });
      }
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("names both versions and what to do for a data directory from another Postgres major", async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-preflight-version-"));
    try {
      const paths = embeddedPostgresPaths(dataDir);
      await fs.mkdir(paths.cluster);
      await fs.writeFile(path.join(paths.cluster, "PG_VERSION"), "16\n");
      await fs.writeFile(paths.credentials, JSON.stringify({ user: "postgres", password: "x" }));
      await expect(
        startEmbeddedPostgres({ dataDir, port: await freePort(), disposable: true }),
      ).rejects.toThrow(/created by Postgres 16, but the bundled server is Postgres 18.*pg_dump/s);
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });
});
