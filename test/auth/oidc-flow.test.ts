import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  decodeJwt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
} from "jose";
import Provider, { type Configuration } from "oidc-provider";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { parseConfig } from "@/lib/config";
import { createAuthDbClient } from "@/lib/db";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { type Auth, createAuth } from "@/lib/people/auth-server";
import { createUser } from "@/lib/people/create-user";
import { createTestDatabase, type TestDatabase } from "../support/db";

/**
 * Single sign-on end to end through better-auth's real handler against a
 * real, certified OpenID Provider (`oidc-provider`) running in this process
 * on a free port: discovery, JWKS, authorization code with PKCE, an ID
 * token with a groups claim, and the grants of GANTRY_OIDC_GROUP_MAP
 * landing on the User row. The provider's login and consent are answered
 * by the test (the person who signs in next); to check what Gantry refuses,
 * the token endpoint's answer can be altered on its way back (an expired,
 * wrongly signed, wrong-audience or replayed ID token).
 */

const ORIGIN = "http://127.0.0.1:3998";
const CLIENT_ID = "gantry-test";
const CLIENT_SECRET = "issuer-client-secret-0123456789";

interface Subject {
  sub: string;
  email: string;
  name: string;
  groups: string[];
}

type Tamper = (idToken: string) => Promise<string>;

/** The issuer: oidc-provider behind a small server that plays the person at its login page. */
class Issuer {
  server!: http.Server;
  url = "";
  next: Subject | null = null;
  /** Alters the next token response's ID token (once). */
  tamper: Tamper | null = null;
  /** Every ID token the provider issued, as issued. */
  issued: string[] = [];
  private provider!: Provider;
  private readonly subjects = new Map<string, Subject>();
  signingKey!: { privateKey: CryptoKey; jwk: JWK };
  private keys: JWK[] = [];

  async start(): Promise<void> {
    this.server = http.createServer((request, response) => {
      void this.handle(request, response).catch((error: unknown) => {
        response.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    await this.rotateKeys();
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** A new signing key first in the JWKS; the old ones stay published (as a real rotation). */
  async rotateKeys(): Promise<void> {
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    const jwk: JWK = {
      ...(await exportJWK(privateKey)),
      kid: randomUUID(),
      alg: "RS256",
      use: "sig",
    };
    this.signingKey = { privateKey, jwk };
    this.keys = [jwk, ...this.keys];
    this.provider = this.makeProvider();
  }

  currentKid(): string {
    return this.signingKey.jwk.kid ?? "";
  }

  private makeProvider(): Provider {
    const configuration: Configuration = {
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          redirect_uris: [`${ORIGIN}/api/auth/callback/oidc`],
          grant_types: ["authorization_code"],
          response_types: ["code"],
          token_endpoint_auth_method: "client_secret_basic",
        },
      ],
      jwks: { keys: this.keys },
      claims: {
        openid: ["sub"],
        email: ["email", "email_verified"],
        profile: ["name"],
        groups: ["groups"],
      },
      scopes: ["openid", "email", "profile", "groups"],
      // Claims in the ID token itself, where Gantry reads the groups.
      conformIdTokenClaims: false,
      pkce: { required: () => true },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      findAccount: (_ctx, sub) => {
        const subject = this.subjects.get(sub);
        if (!subject) return undefined;
        return {
          accountId: sub,
          claims: () => ({
            sub,
            email: subject.email,
            email_verified: true,
            name: subject.name,
            groups: subject.groups,
          }),
        };
      },
    };
    const provider = new Provider(this.url, configuration);
    provider.on("server_error", (_ctx, error) => {
      throw error;
    });
    return provider;
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse) {
    const provider = this.provider;
    const path = new URL(request.url ?? "/", this.url).pathname;
    if (path.startsWith("/interaction/")) {
      // The login page: the person `next` signs in and consents to what Gantry asks for.
      const details = await provider.interactionDetails(request, response);
      const subject = this.next;
      if (!subject) throw new Error("nobody is signing in");
      this.subjects.set(subject.sub, subject);
      const grant = new provider.Grant({ accountId: subject.sub, clientId: CLIENT_ID });
      const scope = details.params.scope;
      grant.addOIDCScope(typeof scope === "string" ? scope : "openid");
      const grantId = await grant.save();
      await provider.interactionFinished(
        request,
        response,
        { login: { accountId: subject.sub }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (path === "/token") {
      const tamper = this.tamper;
      this.tamper = null;
      const end = response.end.bind(response);
      // Koa answers with one end(body): read the token response there, and alter it when asked.
      response.end = ((chunk?: unknown, ...rest: unknown[]) => {
        if (typeof chunk !== "string" && !Buffer.isBuffer(chunk)) return end(chunk as undefined);
        const body = JSON.parse(String(chunk)) as { id_token?: string };
        const finish = (text: string) => {
          response.setHeader("content-length", Buffer.byteLength(text));
          return end(text, ...(rest as []));
        };
        if (!body.id_token) return finish(String(chunk));
        this.issued.push(body.id_token);
        if (!tamper) return finish(String(chunk));
        void tamper(body.id_token).then((altered) =>
          finish(JSON.stringify({ ...body, id_token: altered })),
        );
        return response;
      }) as typeof response.end;
    }
    provider.callback()(request, response);
  }

  /** Re-signs an ID token's claims, changed by `change`, with `key` (default: the provider's signing key). */
  async resign(
    idToken: string,
    change: (claims: Record<string, unknown>) => Record<string, unknown>,
    key: CryptoKey = this.signingKey.privateKey,
  ): Promise<string> {
    const header = decodeProtectedHeader(idToken);
    return new SignJWT(change({ ...decodeJwt(idToken) }))
      .setProtectedHeader({ alg: "RS256", kid: header.kid })
      .sign(key);
  }
}

let t: TestDatabase;
let authDb: PrismaClient;
let auth: Auth;
const issuer = new Issuer();

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
    GANTRY_OIDC_SCOPES: "openid email profile groups",
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
  expect(url.startsWith(`${issuer.url}/auth?`)).toBe(true);
  const authorize = new URL(url);
  expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
  expect(authorize.searchParams.get("code_challenge")).toBeTruthy();
  expect(authorize.searchParams.get("nonce")).toBeTruthy();

  // The browser at the issuer: authorize → login page → back to authorize → Gantry's callback.
  const issuerJar = new Map<string, string>();
  let next = url;
  for (let hop = 0; hop < 8 && !next.startsWith(ORIGIN); hop++) {
    const atIssuer = await fetch(next, {
      redirect: "manual",
      headers: { cookie: cookieHeader(issuerJar) },
    });
    cookiesOf(atIssuer, issuerJar);
    const location = atIssuer.headers.get("location");
    if (!location)
      throw new Error(
        `the issuer answered ${atIssuer.status} at ${next}: ${await atIssuer.text()}`,
      );
    next = new URL(location, next).toString();
  }
  const callback = next;
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

describe("single sign-on against the provider's keys and tokens", () => {
  const person = (label: string): Subject => {
    const sub = randomUUID();
    return {
      sub,
      email: `sso-${label}-${sub.slice(0, 8)}@example.test`,
      name: `Sol ${label}`,
      groups: ["payments-devs"],
    };
  };

  async function expectRefused(subject: Subject, tamper: Tamper) {
    issuer.tamper = tamper;
    const result = await signInWithSso(subject);
    expect(result.session).toBe(false);
    expect(result.location).toMatch(/error/);
    expect(await t.db.user.count({ where: { email: subject.email } })).toBe(0);
  }

  it("follows a key rotation: a token signed with the new key is accepted", async () => {
    const before = issuer.currentKid();
    expect((await signInWithSso(person("before-rotation"))).session).toBe(true);
    await issuer.rotateKeys();
    expect(issuer.currentKid()).not.toBe(before);
    // Gantry re-reads the issuer's JWKS when it meets an unknown key id, but
    // at most once per 30 s (jose's cooldown, so a flood of forged key ids
    // cannot make it hammer the issuer): the first sign-in with the new key
    // comes after that, as it does when an issuer rotates.
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 31_000 });
    const after = person("after-rotation");
    try {
      expect(await signInWithSso(after)).toMatchObject({ status: 302, session: true });
    } finally {
      vi.useRealTimers();
    }
    expect(decodeProtectedHeader(issuer.issued.at(-1) ?? "").kid).toBe(issuer.currentKid());
    expect((await t.db.user.findUniqueOrThrow({ where: { email: after.email } })).roles).toEqual([
      "developer",
    ]);
  });

  it("refuses an expired ID token", async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(person("expired"), (token) =>
      issuer.resign(token, (claims) => ({ ...claims, iat: now - 7200, exp: now - 3600 })),
    );
  });

  it("refuses an ID token signed by another key under the provider's key id", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    await expectRefused(person("forged"), (token) =>
      issuer.resign(token, (claims) => claims, privateKey),
    );
  });

  it("refuses an ID token for another audience", async () => {
    await expectRefused(person("audience"), (token) =>
      issuer.resign(token, (claims) => ({ ...claims, aud: "some-other-client" })),
    );
  });

  it("refuses an ID token replayed from another sign-in (its nonce is not this one's)", async () => {
    const earlier = person("replayed");
    expect((await signInWithSso(earlier)).session).toBe(true);
    const replayed = issuer.issued.at(-1) ?? "";
    expect(decodeJwt(replayed).nonce).toBeTruthy();
    issuer.tamper = async () => replayed;
    const result = await signInWithSso(earlier);
    expect(result.session).toBe(false);
    expect(result.location).toMatch(/error/);
  });
});
