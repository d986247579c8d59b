import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runUser } from "@/cli/user-commands";
import { createTestDatabase, type TestDatabase } from "../support/db";

/**
 * `gantry user …` as scripts and the e2e fixture call it: --json prints one
 * JSON object on stdout, the one-time password only when Gantry made it.
 */

let t: TestDatabase;
const saved = process.env.DATABASE_URL;

beforeAll(async () => {
  t = await createTestDatabase();
  process.env.DATABASE_URL = t.url;
});
afterAll(async () => {
  process.env.DATABASE_URL = saved;
  await t?.drop();
});

async function cli(args: string[], stdin?: string): Promise<{ code: number; out: string }> {
  let out = "";
  const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const input = stdin === undefined ? undefined : vi.spyOn(process, "stdin", "get");
  if (input) {
    const { Readable } = await import("node:stream");
    input.mockReturnValue(Readable.from([Buffer.from(stdin ?? "")]) as typeof process.stdin);
  }
  try {
    return { code: await runUser(args, () => undefined), out };
  } finally {
    write.mockRestore();
    input?.mockRestore();
  }
}

describe("gantry user", () => {
  it("creates, grants, lists and disables people as the system actor", async () => {
    const created = await cli([
      "create",
      "--email",
      "Cli.Person@Example.test",
      "--name",
      "Cli Person",
      "--role",
      "developer",
      "--team",
      "payments",
      "--json",
    ]);
    expect(created.code).toBe(0);
    const first = JSON.parse(created.out) as { id: string; email: string; password?: string };
    expect(first).toMatchObject({ email: "cli.person@example.test" });
    expect(first.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const row = await t.db.user.findUniqueOrThrow({ where: { id: first.id } });
    expect(row).toMatchObject({
      roles: ["developer"],
      teams: ["payments"],
      mustChangePassword: true,
    });

    const given = await cli(
      ["create", "--email", "kept@example.test", "--name", "Kept", "--password-stdin", "--json"],
      "a password I chose myself\n",
    );
    const second = JSON.parse(given.out) as { id: string; password?: string };
    expect(second.password).toBeUndefined();
    expect(
      (await t.db.user.findUniqueOrThrow({ where: { id: second.id } })).mustChangePassword,
    ).toBe(false);

    const granted = await cli([
      "grant",
      "--email",
      "cli.person@example.test",
      "--role",
      "approver",
      "--approver-env",
      "prod",
      "--break-glass",
      "--json",
    ]);
    expect(JSON.parse(granted.out)).toMatchObject({
      roles: ["approver"],
      teams: ["payments"],
      approverEnvironments: ["prod"],
      breakGlass: true,
    });
    await cli(["grant", "--email", "cli.person@example.test", "--no-break-glass"]);
    expect((await t.db.user.findUniqueOrThrow({ where: { id: first.id } })).breakGlass).toBe(false);

    await cli(["disable", "--email", "cli.person@example.test"]);
    const listed = JSON.parse((await cli(["list", "--json"])).out) as {
      users: { email: string; disabledAt: string | null }[];
    };
    expect(
      listed.users.find((u) => u.email === "cli.person@example.test")?.disabledAt,
    ).toBeTruthy();

    const actors = await t.db.auditEvent.findMany({
      where: { targetId: first.id },
      orderBy: { sequence: "asc" },
    });
    expect(actors.map((e) => [e.action, e.actorKind])).toEqual([
      ["user.created", "system"],
      ["user.grants_changed", "system"],
      ["user.grants_changed", "system"],
      ["user.disabled", "system"],
    ]);
    await expect(cli(["grant", "--email", "nobody@example.test"])).rejects.toMatchObject({
      code: "not_found",
    });
  });
});
