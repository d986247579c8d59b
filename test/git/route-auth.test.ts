import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET } from "@/app/git/[...path]/route";
import { createApiToken } from "@/lib/people/create-api-token";
import {
  createPromotionWorld,
  type PromotionWorld,
  serveWorld,
  VICKY,
} from "@/test/promotion/support";

/**
 * Cloning the GitOps repository over /git (every commit, with its authors'
 * e-mails) needs credentials by default: an API token as the password of
 * HTTP Basic (what `git clone` sends after a 401) or as a bearer token, or
 * a signed-in session. GANTRY_GIT_ANONYMOUS_READ=true opens it (route.test.ts).
 */
describe("/git needs a token unless anonymous reads are allowed", () => {
  let w: PromotionWorld;
  let unserve: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    w = await createPromotionWorld({ apps: 1 });
    unserve = serveWorld(w);
  });
  afterAll(async () => {
    await unserve?.();
    await w?.close();
  });

  const advertise = (authorization?: string) =>
    GET(
      new Request("https://gantry.example.com/git/gitops.git/info/refs?service=git-upload-pack", {
        headers: authorization ? { authorization } : {},
      }),
      { params: Promise.resolve({ path: ["gitops.git", "info", "refs"] }) },
    );
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

  it("asks an anonymous clone for credentials (401 with a Basic challenge)", async () => {
    const response = await advertise();
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Basic realm="Gantry Git"/);
    expect(await response.text()).toMatch(/API token/);
  });

  it("serves a clone with an API token as the Basic password, or as a bearer token", async () => {
    const { token } = await createApiToken({
      db: w.db,
      acting: VICKY,
      kind: "personal",
      name: "git clone",
      scopes: ["promotions:read"],
    });
    for (const authorization of [basic("vicky", token), basic(token, ""), `Bearer ${token}`]) {
      const response = await advertise(authorization);
      expect(response.status, authorization.slice(0, 6)).toBe(200);
      expect(await response.text()).toContain("refs/heads/main");
    }
  });

  it("refuses a wrong token without echoing it", async () => {
    const wrong = `gantry_${"B".repeat(43)}`;
    const response = await advertise(basic("x", wrong));
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain(wrong);
  });
});
