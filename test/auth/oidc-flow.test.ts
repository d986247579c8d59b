import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "@/lib/config";
import { createAuthDbClient } from "@/lib/db";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { type Auth, createAuth } from "@/lib/people/auth-server";
import { createUser } from "@/lib/people/create-user";
import { createTestDatabase, type TestDatabase } from "../support/db";

/**
 * Single sign-on end to end through better-auth's real handler: a tiny
 * OpenID Connect issuer in this process (discovery, JWKS, an authorize
 * endpoint that redirects straight back with a code, a token endpoint that
 * returns an RS256-signed ID token with a groups claim), and the grants of
 * GANTRY_OIDC_GROUP_MAP landing on the User row.
 */

const ORIGIN = "http://127.0.0.1:3998";
const CLIENT_ID = "gantry-test";
const CLIENT_SECRET = "issuer-client-secret";

interface Subject {
  sub: string;
  email: string;
  name: string;
  groups: string[];
}

/** The issuer: who signs in next (`next`), and the codes it handed out. */
class TestIssuer {
  server!: http.Server;
  url = "";
  next: Subject | null = null;
  private key!: CryptoKey;
  private jwk!: JWK;
  private codes = new Map<string, { subject: Subject; nonce: string | null }>();

  async start(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair("RS256");
    this.key = privateKey;
    this.jwk = { ...(await exportJWK(publicKey)), kid: "test-key", alg: "RS256", use: "sig" };
    this.server = http.createServer((request, response) => {
      void this.handle(request, response).catch((error: unknown) => {
        response.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server.close(resolve));
  }

  private json(response: http.ServerResponse, status: number, body: unknown) {
    response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse) {
    const url = new URL(request.url ?? "/", this.url);
    if (url.pathname === "/.well-known/openid-configuration") {
      return this.json(response, 200, {
        issuer: this.url,
        authorization_endpoint: `${this.url}/authorize`,
        token_endpoint: `${this.url}/token`,
        jwks_uri: `${this.url}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
      });
    }
    if (url.pathname === "/jwks") return this.json(response, 200, { keys: [this.jwk] });
    if (url.pathname === "/authorize") {
      const subject = this.next;
      const redirect = url.searchParams.get("redirect_uri");
      if (!subject || !redirect || url.searchParams.get("client_id") !== CLIENT_ID) {
        return this.json(response, 400, { error: "invalid_request" });
      }
      const code = randomBytes(16).toString("hex");
      this.codes.set(code, { subject, nonce: url.searchParams.get("nonce") });
      const back = new URL(redirect);
      back.searchParams.set("code", code);
      back.searchParams.set("state", url.searchParams.get("state") ?? "");
      response.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (url.pathname === "/token" && request.method === "POST") {
      let body = "";
      for await (const chunk of request) body += String(chunk);
      const form = new URLSearchParams(body);
      const basic = request.headers.authorization?.replace(/^Basic /, "");
      const [id, secret] = basic
        ? Buffer.from(basic, "base64").toString().split(":").map(decodeURIComponent)
        : [form.get("client_id"), form.get("client_secret")];
      const grant = this.codes.get(form.get("code") ?? "");
      if (id !== CLIENT_ID || secret !== CLIENT_SECRET || !grant) {
        return this.json(response, 400, { error: "invalid_grant" });
      }
      this.codes.delete(form.get("code") ?? "");
      const idToken = await new SignJWT({
        email: grant.subject.email,
        email_verified: true,
        name: grant.subject.name,
        groups: grant.subject.groups,
        ...(grant.nonce ? { nonce: grant.nonce } : {}),
      })
        .setProtectedHeader({ alg: "RS256", kid: "test-key" })
        .setIssuer(this.url)
        .setAudience(CLIENT_ID)
        .setSubject(grant.subject.sub)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(this.key);
      return this.json(response, 200, {
        access_token: randomBytes(16).toString("hex"),
        token_type: "Bearer",
        expires_in: 300,
        id_token: idToken,
      });
    }
    return this.json(response, 404, { error: "not_found" });
  }
}

let t: TestDatabase;
let authDb: PrismaClient;
let auth: Auth;
const issuer = new TestIssuer();

beforeAll(async () => {
  await issuer.start();
  t = await createTestDatabase();
  authDb = createAuthDbClient(t.url);
  const config = parseConfig({
    GANTRY_PUBLIC_URL: ORIGIN,
    GANTRY_AUTH_SECRET: "a-test-secret-that-is-long-enough-0123456789",
    GANTRY_OIDC_ISSUER: issuer.url,
    GANTRY_OIDC_CLIENT_ID: CLIENT_ID,
    GANTRY_OIDC_CLIENT_SECRET: CLIENT_SECRET,
    GANTRY_OIDC_GROUP_MAP: JSON.stringify({
      "payments-devs": { roles: ["developer"], teams: ["payments"] },
      "prod-approvers": {
        roles: ["approver"],
        teams: ["prod-approvers"],
        approverEnvironments: ["prod"],
      },
      platform: { roles: ["admin"], breakGlass: true },
    }),
  });
  auth = createAuth({ db: authDb, config, secret: config.auth.secret ?? "" });
});
afterAll(async () => {
  await authDb?.$disconnect();
  await t?.drop();
  await issuer.stop();
});

function cookiesOf(response: Response, jar: Map<string, string>): void {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const [name, ...value] = (pair ?? "").split("=");
    if (name) jar.set(name.trim(), value.join("="));
  }
}
const cookieHeader = (jar: Map<string, string>) =>
  [...jar].map(([name, value]) => `${name}=${value}`).join("; ");

/** Sign-in as a browser does it: start at Gantry, through the issuer, back to the callback. */
async function signInWithSso(
  subject: Subject,
): Promise<{ status: number; location: string; session: boolean }> {
  issuer.next = subject;
  const jar = new Map<string, string>();
  const start = await auth.handler(
    new Request(`${ORIGIN}/api/auth/sign-in/social`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        origin: ORIGIN,
        // Each sign-in from an address of its own: better-auth limits sign-ins per address.
        "x-gantry-client-address": `10.9.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
      },
      body: JSON.stringify({ provider: "oidc", callbackURL: "/" }),
    }),
  );
  expect(start.status).toBe(200);
  cookiesOf(start, jar);
  const { url } = (await start.json()) as { url: string };
  expect(url.startsWith(`${issuer.url}/authorize?`)).toBe(true);
  const authorize = new URL(url);
  expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
  expect(authorize.searchParams.get("nonce")).toBeTruthy();

  const atIssuer = await fetch(url, { redirect: "manual" });
  expect(atIssuer.status).toBe(302);
  const callback = atIssuer.headers.get("location") ?? "";
  expect(callback.startsWith(`${ORIGIN}/api/auth/callback/oidc?`)).toBe(true);

  const back = await auth.handler(
    new Request(callback, { headers: { cookie: cookieHeader(jar) } }),
  );
  cookiesOf(back, jar);
  return {
    status: back.status,
    location: back.headers.get("location") ?? "",
    session: [...jar.keys()].some((name) => name.endsWith(".session") && jar.get(name) !== ""),
  };
}

describe("single sign-on", () => {
  it("creates the person with the grants of their groups, and updates them at each sign-in", async () => {
    const sub = randomUUID();
    const email = `sso-${sub.slice(0, 8)}@example.test`;
    const first = await signInWithSso({
      sub,
      email,
      name: "Sam Single",
      groups: ["payments-devs", "prod-approvers", "unmapped"],
    });
    expect(first).toMatchObject({ status: 302, session: true });
    expect(first.location).not.toContain("error");

    const user = await t.db.user.findUniqueOrThrow({ where: { email } });
    expect(user).toMatchObject({
      name: "Sam Single",
      source: "oidc",
      roles: ["developer", "approver"],
      teams: ["payments", "prod-approvers"],
      approverEnvironments: ["prod"],
      breakGlass: false,
    });
    expect(user.lastSignInAt).toBeInstanceOf(Date);
    // Gantry keeps none of the issuer's tokens.
    const account = await authDb.account.findFirstOrThrow({
      where: { userId: user.id, providerId: "oidc" },
    });
    expect(account).toMatchObject({ accountId: sub, idToken: null, accessToken: null });

    const events = await t.db.auditEvent.findMany({
      where: { targetId: user.id },
      orderBy: { sequence: "asc" },
    });
    expect(events.map((e) => e.action)).toEqual([
      "user.created",
      "session.signed_in",
      "user.grants_changed",
    ]);
    expect(events[2]?.detail).toMatchObject({
      via: "sso",
      groups: ["payments-devs", "prod-approvers"],
      after: { roles: ["developer", "approver"] },
    });

    // Leaving a group at the issuer takes effect at the next sign-in.
    const second = await signInWithSso({
      sub,
      email,
      name: "Sam Single",
      groups: ["payments-devs"],
    });
    expect(second).toMatchObject({ status: 302, session: true });
    const after = await t.db.user.findUniqueOrThrow({ where: { email } });
    expect(after).toMatchObject({
      roles: ["developer"],
      teams: ["payments"],
      approverEnvironments: [],
    });
    expect(await t.db.user.count({ where: { email } })).toBe(1);
  });

  it("makes someone in no mapped group a viewer, and refuses a disabled person", async () => {
    const sub = randomUUID();
    const email = `sso-${sub.slice(0, 8)}@example.test`;
    await signInWithSso({ sub, email, name: "Vic Viewer", groups: ["marketing"] });
    const user = await t.db.user.findUniqueOrThrow({ where: { email } });
    expect(user.roles).toEqual(["viewer"]);

    await t.db.user.update({ where: { id: user.id }, data: { disabledAt: new Date() } });
    const refused = await signInWithSso({ sub, email, name: "Vic Viewer", groups: ["platform"] });
    expect(refused.session).toBe(false);
    expect((await t.db.user.findUniqueOrThrow({ where: { email } })).roles).toEqual(["viewer"]);
  });

  it("keeps the last active admin an admin even when their groups say otherwise", async () => {
    // Only this admin is active in this database.
    await t.db.user.updateMany({
      where: { roles: { has: "admin" } },
      data: { disabledAt: new Date() },
    });
    const sub = randomUUID();
    const email = `sso-${sub.slice(0, 8)}@example.test`;
    await signInWithSso({ sub, email, name: "Ada Admin", groups: ["platform"] });
    expect((await t.db.user.findUniqueOrThrow({ where: { email } })).roles).toEqual(["admin"]);
    await signInWithSso({ sub, email, name: "Ada Admin", groups: ["payments-devs"] });
    const user = await t.db.user.findUniqueOrThrow({ where: { email } });
    expect(user.roles).toEqual(["developer", "admin"]);
    const last = await t.db.auditEvent.findFirstOrThrow({
      where: { targetId: user.id, action: "user.grants_changed" },
      orderBy: { sequence: "desc" },
    });
    expect(last.detail).toMatchObject({ keptLastAdmin: true });
  });

  it("links a local account with the same e-mail instead of making a second person", async () => {
    const email = `local-${randomUUID().slice(0, 8)}@example.test`;
    const local = await createUser({
      db: t.db,
      acting: "system",
      email,
      name: "Lou Local",
      password: "a local password 123",
      roles: ["viewer"],
    });
    const result = await signInWithSso({
      sub: randomUUID(),
      email,
      name: "Lou",
      groups: ["payments-devs"],
    });
    expect(result.session).toBe(true);
    const user = await t.db.user.findUniqueOrThrow({ where: { email } });
    expect(user).toMatchObject({ id: local.id, roles: ["developer"], source: "oidc" });
  });
});
