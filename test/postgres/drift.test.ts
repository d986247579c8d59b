import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withDatabase } from "@/lib/postgres/database";
import { prismaPaths } from "@/lib/postgres/migration-files";
import { migratedDatabaseUrl } from "../support/db";

const root = path.resolve(import.meta.dirname, "..", "..");
const node = path.join(root, "node_modules", ".bin", "node");

type Run = { code: number | null; stdout: string; stderr: string };

/** Runs a repository script the way CI does, against the test server. */
function run(script: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [path.join(root, script), ...args], {
      cwd: root,
      // The shadow database is created next to the maintenance database, never the template.
      env: { ...process.env, DATABASE_URL: withDatabase(migratedDatabaseUrl(), "postgres") },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("schema / migrations drift check", () => {
  let dir: string;
  let migrations: string;
  let driftedSchema: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "gantry-drift-"));
    migrations = path.join(dir, "migrations");
    await fs.cp(prismaPaths.migrations, migrations, { recursive: true });
    driftedSchema = path.join(dir, "schema.prisma");
    const schema = await fs.readFile(prismaPaths.schema, "utf8");
    await fs.writeFile(driftedSchema, `${schema}\nmodel DriftProbe {\n  id Int @id\n}\n`);
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("passes when the committed migrations produce schema.prisma", async () => {
    const result = await run("scripts/check-migrations.ts", []);
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/match prisma\/schema\.prisma/);
    expect(result.code).toBe(0);
  });

  it("fails and shows the missing migration when the schema changed without one", async () => {
    const result = await run("scripts/check-migrations.ts", [
      "--schema",
      driftedSchema,
      "--migrations",
      migrations,
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/disagree/);
    expect(result.stderr).toContain('CREATE TABLE "DriftProbe"');
  });

  it("fails when a committed migration was edited", async () => {
    const edited = path.join(dir, "edited");
    await fs.cp(migrations, edited, { recursive: true });
    const [first] = (await fs.readdir(edited)).filter((name) => !name.endsWith(".toml")).sort();
    if (!first) throw new Error("no migration to edit");
    await fs.appendFile(
      path.join(edited, first, "migration.sql"),
      '\nCREATE TABLE "Sneaky" (id int);\n',
    );
    const result = await run("scripts/check-migrations.ts", ["--migrations", edited]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DROP TABLE "Sneaky"');
  });

  it("`npm run prisma -- migrate diff --exit-code` runs offline and exits 2 on drift", async () => {
    const result = await run("scripts/prisma.ts", [
      "migrate",
      "diff",
      "--from-migrations",
      migrations,
      "--to-schema",
      driftedSchema,
      "--exit-code",
    ]);
    expect(result.stdout).toContain("DriftProbe");
    expect(result.code).toBe(2);
  });
});
