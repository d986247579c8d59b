import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { expect, type Page } from "@playwright/test";
import { e2ePorts } from "./ports";

/**
 * People for end-to-end tests: made in the e2e portal's own database with
 * the real command line (`gantry user create`, the audited domain function),
 * then signed in through the real /sign-in form, so every spec goes through
 * the same sign-in a person does.
 *
 *   const dev = createPerson({ roles: ["developer"], teams: ["payments"] });
 *   await signIn(page, dev);
 */

const root = path.resolve(import.meta.dirname, "..", "..");
export const e2eDataDir = path.resolve(process.env.GANTRY_E2E_DATA_DIR ?? ".gantry/e2e");

export type E2eRole = "viewer" | "developer" | "approver" | "admin";

export interface PersonGrants {
  roles: E2eRole[];
  teams?: string[];
  approverEnvironments?: string[];
  breakGlass?: boolean;
  gitLogin?: string;
  /** Default: "E2E <first role> <random>". */
  name?: string;
}

export interface E2ePerson {
  id: string;
  email: string;
  name: string;
  password: string;
}

/** Which portal's database the CLI works on: the suite's, unless a spec started another. */
export interface PortalDatabase {
  dataDir: string;
  postgresPort: number;
}

/** Runs the Gantry CLI against the e2e portal's embedded Postgres (or `portal`'s); returns stdout. */
export function gantryCli(args: string[], input?: string, portal?: PortalDatabase): string {
  return execFileSync(path.join(root, "node_modules", ".bin", "tsx"), ["cli/gantry.ts", ...args], {
    cwd: root,
    input,
    encoding: "utf8",
    env: {
      ...process.env,
      GANTRY_DATA_DIR: portal?.dataDir ?? e2eDataDir,
      GANTRY_EMBEDDED_POSTGRES_PORT: String(portal?.postgresPort ?? e2ePorts().postgresPort),
      DATABASE_URL: "",
      GANTRY_LOG_LEVEL: "warn",
      // The portal's run imports at start; the CLI must not do it again.
      GANTRY_IMPORT_ON_START: "false",
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** A new local account with these grants and a known password (no forced change). */
export function createPerson(grants: PersonGrants, portal?: PortalDatabase): E2ePerson {
  const tag = randomBytes(4).toString("hex");
  const email = `e2e-${grants.roles[0] ?? "person"}-${tag}@example.test`;
  const name = grants.name ?? `E2E ${grants.roles[0] ?? "person"} ${tag}`;
  const password = `e2e-${randomBytes(12).toString("base64url")}`;
  const args = ["user", "create", "--email", email, "--name", name, "--password-stdin", "--json"];
  for (const role of grants.roles) args.push("--role", role);
  for (const team of grants.teams ?? []) args.push("--team", team);
  for (const env of grants.approverEnvironments ?? []) args.push("--approver-env", env);
  if (grants.breakGlass) args.push("--break-glass");
  if (grants.gitLogin) args.push("--git-login", grants.gitLogin);
  const output = gantryCli(args, password, portal);
  const line = output.trim().split("\n").pop() ?? "";
  const created = JSON.parse(line) as { id: string };
  return { id: created.id, email, name, password };
}

let everything: E2ePerson | undefined;

/** One person who may do everything (admin, developer, approver everywhere), made once per run. */
export function powerUser(): E2ePerson {
  everything ??= createPerson({
    roles: ["admin", "developer", "approver"],
    approverEnvironments: ["*"],
    breakGlass: true,
    name: "E2E Power User",
  });
  return everything;
}

/** Signs in through the real form and waits until the portal shows the person. */
export async function signIn(
  page: Page,
  person: { email: string; password: string },
  /** Another portal than the e2e one (the replica spec's). */
  baseUrl = "",
) {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel("E-mail").fill(person.email);
  await page.getByLabel("Password", { exact: true }).fill(person.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
}

/** The first start's one-time admin password, as scripts/start.ts kept it. */
export function firstAdminPassword(): string {
  return fs.readFileSync(path.join(e2eDataDir, "admin-password"), "utf8").trim();
}
