import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAuditEventAlone } from "@/lib/audit/record-audit-event";
import { OPERATOR, verifyAuditChain } from "@/lib/audit/verify-chain";
import { createDbClient } from "@/lib/db";
import { demoRepositorySeed } from "@/lib/demo/generate-repository";
import { ensureLocalRepository } from "@/lib/git/local/ensure-repository";
import { startEmbeddedPostgres } from "@/lib/postgres/embedded";
import { applyMigrations } from "@/lib/postgres/migrate";
import { createBackup } from "@/lib/runtime/create-backup";
import { restoreBackup } from "@/lib/runtime/restore-backup";
import { freePort } from "../support/free-port";

const gitLog = (dataDir: string) =>
  execFileSync(
    "git",
    ["--git-dir", path.join(dataDir, "git", "gitops.git"), "log", "--format=%H %s", "main"],
    { encoding: "utf8" },
  );

async function tempDir(prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  await fs.chmod(dir, 0o755); // as root, Postgres runs as `postgres`, which must enter it
  return dir;
}

/**
 * A backup of the embedded default (database snapshot + local Git
 * repositories) restores into a fresh data directory with the audit chain
 * intact and the same Git history.
 */
describe("backup and restore", () => {
  let source: string;
  let archive: string;
  // Each test restores into directories of its own, removed at the end.
  const targets: string[] = [];
  const newTarget = async () => {
    const dir = await tempDir("gantry-backup-target-");
    targets.push(dir);
    return dir;
  };
  let lastHash = "";
  let events = 0;

  beforeAll(async () => {
    source = await tempDir("gantry-backup-source-");
    archive = path.join(await tempDir("gantry-backup-file-"), "gantry.tar.gz");
    const postgres = await startEmbeddedPostgres({
      dataDir: source,
      port: await freePort(),
      disposable: true,
    });
    try {
      await applyMigrations(postgres.url);
      await ensureLocalRepository({
        dataDir: source,
        repository: "gitops",
        branch: "main",
        seed: demoRepositorySeed({ apps: 2 }),
      });
      const db = createDbClient(postgres.url);
      try {
        for (const [index, note] of ["first", "ünïcødé ✓", 'quotes " and \\ backslash'].entries()) {
          const recorded = await recordAuditEventAlone(db, {
            actor: { kind: "system", id: null, name: "Gantry", email: "" },
            action: "backup.test_recorded",
            target: { type: "application", id: `app-${index}`, application: `app-${index}` },
            detail: { note, big: "9007199254740993" },
          });
          lastHash = recorded.hash;
        }
        events = await db.auditEvent.count();
      } finally {
        await db.$disconnect();
      }
      await createBackup({ databaseUrl: postgres.url, dataDir: source, file: archive });
    } finally {
      await postgres.stop();
    }
  });
  afterAll(async () => {
    for (const dir of [source, ...targets, path.dirname(archive)]) {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it("writes a private archive", async () => {
    expect((await fs.stat(archive)).mode & 0o777).toBe(0o600);
  });

  it("restores into a fresh data directory: the audit chain verifies and Git has the same history", async () => {
    const target = await newTarget();
    await restoreBackup({ file: archive, dataDir: target, port: await freePort() });
    const postgres = await startEmbeddedPostgres({
      dataDir: target,
      port: await freePort(),
      disposable: true,
    });
    const db = createDbClient(postgres.url);
    try {
      const chain = await verifyAuditChain({ db, principal: OPERATOR });
      expect(chain.ok).toBe(true);
      expect(chain.checked).toBe(events);
      const last = await db.auditEvent.findFirst({ orderBy: { sequence: "desc" } });
      expect(last?.hash).toBe(lastHash);
      expect(last?.detail).toEqual({ note: 'quotes " and \\ backslash', big: "9007199254740993" });
    } finally {
      await db.$disconnect();
      await postgres.stop();
    }
    expect(gitLog(target)).toBe(gitLog(source));
    expect(gitLog(target).trim().split("\n").length).toBeGreaterThan(0);
  });

  it("refuses a data directory that is not empty unless forced", async () => {
    // Someone else's data: a restore must not mix into it, unless told to replace it.
    const target = await newTarget();
    await fs.writeFile(path.join(target, "someone-else.txt"), "keep me unless forced");
    await expect(
      restoreBackup({ file: archive, dataDir: target, port: await freePort() }),
    ).rejects.toThrow(/is not empty: restore into a new GANTRY_DATA_DIR, or add --force/);
    await restoreBackup({ file: archive, dataDir: target, port: await freePort(), force: true });
    expect(gitLog(target)).toBe(gitLog(source));
  });

  it("refuses a file that is not a Gantry backup", async () => {
    const bogus = path.join(path.dirname(archive), "bogus.tar.gz");
    await fs.writeFile(bogus, "not an archive");
    const fresh = await tempDir("gantry-backup-bogus-");
    try {
      await expect(
        restoreBackup({ file: bogus, dataDir: fresh, port: await freePort() }),
      ).rejects.toThrow(/not a readable Gantry backup/);
    } finally {
      await fs.rm(fresh, { recursive: true, force: true });
    }
  });
});
