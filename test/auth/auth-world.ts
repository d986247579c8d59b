import { randomUUID } from "node:crypto";
import { type GantryConfig, parseConfig } from "@/lib/config";
import { createAuthDbClient } from "@/lib/db";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import type { Person } from "@/lib/identity/principal";
import { type Auth, createAuth } from "@/lib/people/auth-server";
import { createUser } from "@/lib/people/create-user";
import { createTestDatabase, type TestDatabase } from "../support/db";

/**
 * better-auth's real handler on a real Postgres, for tests that sign people
 * in and call /api/auth/* as a browser would.
 */
export const ORIGIN = "http://127.0.0.1:3999";
export const PASSWORD = "correct horse battery";

export interface AuthWorld {
  t: TestDatabase;
  authDb: PrismaClient;
  auth: Auth;
  config: GantryConfig;
  close(): Promise<void>;
}

export async function createAuthWorld(env: Record<string, string> = {}): Promise<AuthWorld> {
  const config = parseConfig({
    GANTRY_PUBLIC_URL: ORIGIN,
    GANTRY_AUTH_SECRET: "a-test-secret-that-is-long-enough-0123456789",
    ...env,
  });
  const t = await createTestDatabase();
  const authDb = createAuthDbClient(t.url);
  const auth = createAuth({ db: authDb, config, secret: config.auth.secret ?? "" });
  return {
    t,
    authDb,
    auth,
    config,
    close: async () => {
      await authDb.$disconnect();
      await t.drop();
    },
  };
}

export async function makePerson(
  w: AuthWorld,
  options: { roles?: Person["roles"]; source?: "local" | "oidc" } = {},
): Promise<Person> {
  const email = `${randomUUID().slice(0, 8)}@example.test`;
  const user = await createUser({
    db: w.t.db,
    acting: "system",
    email,
    name: `Person ${email.slice(0, 8)}`,
    password: PASSWORD,
    roles: options.roles ? [...options.roles] : ["developer"],
    teams: ["payments"],
    mustChangePassword: false,
  });
  if (options.source) {
    await w.t.db.user.update({ where: { id: user.id }, data: { source: options.source } });
  }
  return {
    kind: "person",
    id: user.id,
    name: `Person ${email.slice(0, 8)}`,
    email,
    roles: options.roles ? [...options.roles] : ["developer"],
    teams: ["payments"],
    approverEnvironments: [],
    breakGlass: false,
    gitLogin: null,
  };
}

/** A random address, so one test's per-address count does not leak into another. */
export function randomAddress(): string {
  const part = () => Math.floor(Math.random() * 250);
  return `10.${part()}.${part()}.${part()}`;
}

/** Calls an /api/auth endpoint through the real handler, as a browser from `from` would. */
export async function callAuth(
  w: AuthWorld,
  path: string,
  options: { method?: string; cookie?: string | null; body?: unknown; headers?: HeadersInit } = {},
): Promise<Response> {
  const method = options.method ?? (options.body === undefined ? "GET" : "POST");
  const headers = new Headers(options.headers);
  headers.set("origin", ORIGIN);
  if (options.cookie) headers.set("cookie", options.cookie);
  if (options.body !== undefined) headers.set("content-type", "application/json");
  return w.auth.handler(
    new Request(`${ORIGIN}/api/auth${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    }),
  );
}

/** Signs in with the password; the session cookie (`name=value`), or null when refused. */
export async function signIn(
  w: AuthWorld,
  email: string,
  password = PASSWORD,
  headers: HeadersInit = {},
): Promise<{ status: number; cookie: string | null; setCookies: string[] }> {
  const response = await callAuth(w, "/sign-in/email", {
    body: { email, password },
    headers: {
      "x-gantry-client-address": randomAddress(),
      ...Object.fromEntries(new Headers(headers)),
    },
  });
  const setCookies = response.headers.getSetCookie();
  const cookie = setCookies.find((c) => c.startsWith("gantry.session="));
  return { status: response.status, cookie: cookie?.split(";")[0] ?? null, setCookies };
}
