import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as imports from "@/app/api/v1/imports/route";
import { createApiToken } from "@/lib/people/create-api-token";
import { createPromotionWorld, type PromotionWorld, serveWorld } from "@/test/promotion/support";

/** GET /api/v1/imports: whether an import worked, for automation. */
describe("/api/v1/imports", () => {
  let w: PromotionWorld;
  let token: string;
  let unserve: (() => Promise<void>) | undefined;

  const get = async (query = "", auth: string | null = `Bearer ${token}`) => {
    const headers = new Headers();
    if (auth !== null) headers.set("authorization", auth);
    const response = await imports.GET(
      new Request(`http://gantry.test/api/v1/imports${query}`, { headers }),
      { params: Promise.resolve({}) },
    );
    return { status: response.status, body: await response.json() };
  };

  beforeAll(async () => {
    w = await createPromotionWorld({ apps: 2 });
    unserve = serveWorld(w);
    ({ token } = await createApiToken({ db: w.db, acting: "system", kind: "ci", name: "ci" }));
    // A second import, with a problem: an environment nobody listed.
    w.repo.commit({ "apps/app-0/envs/qa/values.yaml": "image:\n  tag: 1.0.0\n" });
    await w.importNow();
    // A third that fails as a whole: a broken gantry.yaml.
    w.repo.commit({ "gantry.yaml": "discovery:\n  - kind: paths\n    template: x/{nope}.yaml\n" });
    await w.importNow().catch(() => undefined);
  });
  afterAll(async () => {
    await unserve?.();
    await w?.close();
  });

  it("lists runs newest first with their commit, status, counts and every problem", async () => {
    const { status, body } = await get();
    expect(status).toBe(200);
    expect(body.imports.map((run: { status: string }) => run.status)).toEqual([
      "failed",
      "succeeded",
      "succeeded",
    ]);
    const [failed, latest] = body.imports;
    expect(failed).toMatchObject({
      commit: null,
      error: expect.stringMatching(
        /^gantry\.yaml:3:15: discovery\[0\]\.template: unknown placeholder \{nope\}/,
      ),
      problems: [],
    });
    expect(latest).toMatchObject({
      commit: await w.git("rev-parse", "HEAD~1"),
      counts: { appsSeen: 2, appsCreated: 0, problems: 1 },
      problems: [
        {
          app: "app-0",
          file: "apps/app-0/envs/qa/values.yaml",
          line: null,
          reason: 'environment "qa" is not listed in environments.yaml',
        },
      ],
      problemsTruncated: false,
    });
  });

  it("filters by status and bounds the page; a bad query is a 400 naming the field", async () => {
    const failedOnly = await get("?status=failed&limit=1");
    expect(failedOnly.body.imports).toHaveLength(1);
    expect(failedOnly.body.imports[0].status).toBe("failed");
    const bad = await get("?limit=1000&colour=blue");
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.errors).toEqual([
      "limit: must be a number from 1 to 100",
      "unknown parameter colour; the parameters are limit and status",
    ]);
  });

  it("refuses a caller without credentials", async () => {
    expect((await get("", null)).status).toBe(401);
  });
});
