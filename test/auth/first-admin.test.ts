import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bootstrapAdmin } from "@/lib/people/bootstrap-admin";
import { type AuthWorld, callAuth, createAuthWorld, signIn } from "@/test/auth/auth-world";

/** The first start's one-time password is on disk only until the admin has changed it. */
let w: AuthWorld;
let dataDir: string;
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-first-admin-"));
  w = await createAuthWorld({ GANTRY_DATA_DIR: dataDir, GANTRY_ADMIN_EMAIL: "first@example.test" });
});
afterAll(async () => {
  await w?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe("the first admin", () => {
  it("is made once when several replicas start together on an empty database", async () => {
    await w.t.db.user.deleteMany({});
    const starts = await Promise.all(
      Array.from({ length: 6 }, () => bootstrapAdmin({ db: w.t.db, config: w.config })),
    );
    expect(starts.filter((start) => start.created)).toHaveLength(1);
    expect(await w.t.db.user.count()).toBe(1);
  });
});

describe("the first admin's one-time password file", () => {
  it("is deleted once the admin has changed the password", async () => {
    await w.t.db.user.deleteMany({});
    const admin = await bootstrapAdmin({ db: w.t.db, config: w.config });
    if (!admin.created) throw new Error("expected the first admin");
    // As scripts/start.ts keeps it.
    const file = path.join(dataDir, "admin-password");
    fs.writeFileSync(file, `${admin.password}\n`, { mode: 0o600 });
    const { cookie } = await signIn(w, admin.email, admin.password);
    // A failed change keeps it.
    const wrong = await callAuth(w, "/change-password", {
      cookie,
      body: { currentPassword: "not the password", newPassword: "a new passphrase here" },
    });
    expect(wrong.status).toBe(400);
    expect(fs.existsSync(file)).toBe(true);
    const changed = await callAuth(w, "/change-password", {
      cookie,
      body: { currentPassword: admin.password, newPassword: "a new passphrase here" },
    });
    expect(changed.status).toBe(200);
    expect(fs.existsSync(file)).toBe(false);
  });
});
