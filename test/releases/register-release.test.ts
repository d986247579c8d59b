import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as appReleases from "@/app/api/v1/apps/[slug]/releases/route";
import * as releases from "@/app/api/v1/releases/route";
import { runRelease } from "@/cli/release-command";
import { createApiToken } from "@/lib/people/create-api-token";
import { serveWorld } from "@/test/promotion/support";
import { createReleaseWorld, type ReleaseWorld } from "./support";

const DIGEST_A = `sha256:${"a".repeat(64)}`;
const DIGEST_B = `sha256:${"b".repeat(64)}`;

/** POST /api/v1/releases and GET /api/v1/apps/{app}/releases through their route handlers. */
describe("release registration", () => {
  let w: ReleaseWorld;
  let unserve: (() => Promise<void>) | undefined;
  let paymentsToken: string;
  let checkoutToken: string;
  let promotionsToken: string;

  beforeAll(async () => {
    w = await createReleaseWorld({ apps: 2 });
    unserve = serveWorld(w);
    ({ token: paymentsToken } = await createApiToken({
      db: w.db,
      acting: "system",
      kind: "ci",
      name: "payments-ci",
      scopes: ["releases:write", "promotions:read"],
      teams: ["payments"],
    }));
    ({ token: checkoutToken } = await createApiToken({
      db: w.db,
      acting: "system",
      kind: "ci",
      name: "checkout-ci",
      scopes: ["releases:write"],
      teams: ["checkout"],
    }));
    ({ token: promotionsToken } = await createApiToken({
      db: w.db,
      acting: "system",
      kind: "ci",
      name: "deployer",
    }));
  });
  afterAll(async () => {
    await unserve?.();
    await w?.close();
  });

  const post = async (body: unknown, token = paymentsToken) => {
    const response = await releases.POST(
      new Request("http://gantry.test/api/v1/releases", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      }),
      undefined,
    );
    return {
      status: response.status,
      body: (await response.json()) as {
        created?: boolean;
        release?: { id: string; version: string; digest: string | null; registeredBy: unknown };
        error?: { code: string; message: string };
      },
    };
  };

  it("creates a release (201) and answers a retry with the same release (200), audited once", async () => {
    const body = {
      app: "app-0",
      version: "3.0.0",
      digest: DIGEST_A,
      commit: "0123456789abcdef0123456789abcdef01234567",
      buildUrl: "https://ci.example.com/runs/42",
      sourceRepository: "https://github.com/acme/app-0",
      notes: "Faster checkout",
    };
    const first = await post(body);
    expect(first.status).toBe(201);
    expect(first.body.created).toBe(true);
    expect(first.body.release).toMatchObject({
      version: "3.0.0",
      digest: DIGEST_A,
      registeredBy: { kind: "token", name: "API token payments-ci" },
    });

    const retry = await post(body);
    expect(retry.status).toBe(200);
    expect(retry.body.created).toBe(false);
    expect(retry.body.release?.id).toBe(first.body.release?.id);

    expect(await w.db.release.count({ where: { version: "3.0.0" } })).toBe(1);
    const events = await w.db.auditEvent.findMany({
      where: { action: "release.registered", targetId: first.body.release?.id },
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorKind: "token", application: "app-0", team: "payments" });
  });

  it("refuses the same version with another digest (409), keeping the first", async () => {
    expect((await post({ app: "app-0", version: "3.1.0", digest: DIGEST_A })).status).toBe(201);
    const conflict = await post({ app: "app-0", version: "3.1.0", digest: DIGEST_B });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error?.message).toContain(
      `app-0 3.1.0 is already registered with digest ${DIGEST_A}`,
    );
    const stored = await w.db.release.findFirstOrThrow({ where: { version: "3.1.0" } });
    expect(stored.digest).toBe(DIGEST_A);
  });

  it("refuses a token of another team, and a token without releases:write (403)", async () => {
    const otherTeam = await post({ app: "app-0", version: "4.0.0" }, checkoutToken);
    expect(otherTeam.status).toBe(403);
    expect(otherTeam.body.error?.message).toBe(
      'the API token "checkout-ci" may register releases only for team checkout, not for team payments',
    );
    const noScope = await post({ app: "app-0", version: "4.0.0" }, promotionsToken);
    expect(noScope.status).toBe(403);
    expect(noScope.body.error?.message).toContain("lacks the releases:write scope");
    expect(await w.db.release.count({ where: { version: "4.0.0" } })).toBe(0);
    expect(
      await w.db.auditEvent.count({ where: { action: "permission.denied", actorKind: "token" } }),
    ).toBeGreaterThanOrEqual(2);
  });

  it("names each wrong field (400) and an unknown application (404)", async () => {
    const bad = await post({
      app: "app-0",
      version: "-nope",
      digest: "md5:1",
      buildUrl: "javascript:alert(1)",
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toContain("version:");
    expect(bad.body.error?.message).toContain("digest: must be an image digest");
    expect(bad.body.error?.message).toContain("buildUrl: must be an http:// or https:// URL");
    const unknown = await post({ app: "no-such-app", version: "1.0.0" });
    expect(unknown.status).toBe(404);
  });

  it("lists an application's releases newest first, paged", async () => {
    await post({ app: "app-1", version: "5.0.0" });
    await post({ app: "app-1", version: "5.1.0" });
    await post({ app: "app-1", version: "5.2.0" });
    const response = await appReleases.GET(
      new Request("http://gantry.test/api/v1/apps/app-1/releases?size=2", {
        headers: { authorization: `Bearer ${paymentsToken}` },
      }),
      { params: Promise.resolve({ slug: "app-1" }) },
    );
    expect(response.status).toBe(200);
    const page = (await response.json()) as {
      items: { version: string; source: string }[];
      total: number;
      pageCount: number;
    };
    expect(page.items.map((r) => `${r.version} ${r.source}`)).toEqual(["5.2.0 api", "5.1.0 api"]);
    // The three registered, and the two versions the importer saw in Git (1.1.0, 1.0.0).
    expect(page.total).toBe(5);
    expect(page.pageCount).toBe(3);
  });

  it("refuses a token asking for releases:write without naming a team", async () => {
    await expect(
      createApiToken({
        db: w.db,
        acting: "system",
        kind: "ci",
        name: "no-team",
        scopes: ["releases:write"],
      }),
    ).rejects.toThrow("teams: releases:write registers releases only for named teams");
  });

  it("registers through the CLI over HTTP, and says so when the portal refuses", async () => {
    // The route handler behind a real HTTP server: the CLI sends what CI would.
    const server = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const answer = await releases.POST(
        new Request(`http://gantry.test${request.url}`, {
          method: request.method,
          headers: request.headers as Record<string, string>,
          body: Buffer.concat(chunks),
        }),
        undefined,
      );
      response.writeHead(answer.status, { "content-type": "application/json" });
      response.end(await answer.text());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const out: string[] = [];
    const said: string[] = [];
    const cli = (args: string[], token = paymentsToken) =>
      runRelease({
        args: ["create", ...args],
        env: { GANTRY_URL: url, GANTRY_TOKEN: token },
        out: (text) => out.push(text),
        progress: (text) => said.push(text),
      });
    try {
      const args = ["--app", "app-0", "--version", "6.0.0", "--digest", DIGEST_A];
      expect(await cli([...args, "--build-url", "https://ci.example.com/runs/7"])).toBe(0);
      expect(JSON.parse(out[0] ?? "{}")).toMatchObject({
        created: true,
        release: { version: "6.0.0", buildUrl: "https://ci.example.com/runs/7" },
      });
      expect(await cli(args)).toBe(0);
      expect(said).toEqual([
        "registered app-0 6.0.0",
        "app-0 6.0.0 was already registered; nothing changed",
      ]);
      await expect(
        cli(["--app", "app-0", "--version", "6.0.0", "--digest", DIGEST_B]),
      ).rejects.toThrow("the portal answered 409: app-0 6.0.0 is already registered with digest");
      await expect(cli(["--app", "app-0", "--version", "6.1.0"], checkoutToken)).rejects.toThrow(
        "the portal answered 403",
      );
      await expect(
        cli(["--app", "app-0", "--version", "6.1.0", "--build-url", "ftp://x"]),
      ).rejects.toThrow("--build-url: must be an http:// or https:// URL");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
