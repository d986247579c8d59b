import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import { GantryError } from "@/lib/errors";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { type PlanPromotionParams, planPromotion } from "@/lib/promotion/plan-promotion";
import {
  appFiles,
  createGitopsFixture,
  ENVIRONMENTS_YAML,
  type GitopsFixture,
} from "@/test/catalogue/gitops-fixture";
import { createTestDatabase } from "@/test/support/db";

/** A values file as people write them: comments everywhere, odd spacing, quoting, anchors. */
const PROD_VALUES = `# Production values for payments-api.
# Owned by the payments team; ask in #payments before changing replicas.

image:
  repository: registry.example.com/payments-api   # the public mirror
  # the version, set by promotion
  tag: "1.3.0"    # do not edit by hand
  pullPolicy: IfNotPresent

replicas: 6
resources: &res
  limits: { cpu: "2", memory: 2Gi }
sidecar:
  resources: *res
`;

/** A chart's own values style: an empty tag means "the chart's appVersion". */
const CHART_DEFAULT_VALUES = `image:
  repository: registry.example.com/chart-default
  tag: ""   # empty: the chart's appVersion
`;

async function rejection(promise: Promise<unknown>): Promise<GantryError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GantryError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

describe("planPromotion", () => {
  let repo: GitopsFixture;
  let db: PrismaClient;
  let drop: () => Promise<void>;
  const plan = (params: Omit<PlanPromotionParams, "db" | "git" | "versionPath">) =>
    planPromotion({ db, git: repo.provider, versionPath: "image.tag", ...params });
  const runImport = () =>
    importCatalogue({ db, git: repo.provider, versionPath: "image.tag", trigger: "test" });

  beforeAll(async () => {
    repo = createGitopsFixture();
    ({ db, drop } = await createTestDatabase());
    repo.commit({
      "environments.yaml": ENVIRONMENTS_YAML,
      ...appFiles("payments-api", "payments", { dev: "1.5.0", staging: "1.4.0", prod: "1.3.0" }),
      "apps/payments-api/envs/prod/values.yaml": PROD_VALUES,
      ...appFiles("ledger-worker", "payments", { dev: "0.9.1", prod: "0.9.0" }),
      ...appFiles("broken-values", "payments", { staging: "2.0.0" }),
      "apps/broken-values/envs/prod/values.yaml": "image:\n  tag: [1.0\n",
      ...appFiles("old-app", "payments", { dev: "1.0.0", staging: "0.9.0" }),
      ...appFiles("chart-default", "payments", { staging: "2.1.0" }),
      "apps/chart-default/envs/prod/values.yaml": CHART_DEFAULT_VALUES,
    });
    await runImport();
    repo.commit({ "apps/old-app": null });
    await runImport();
  });
  afterAll(async () => {
    await drop?.();
    repo?.cleanup();
  });

  it("defaults to the version the previous environment runs, and explains it", async () => {
    const result = await plan({ application: "payments-api", environment: "prod" });
    expect(result).toMatchObject({
      version: "1.4.0",
      currentVersion: "1.3.0",
      versionSource: { kind: "previous_environment", explanation: "the version staging runs" },
      fromEnvironment: { name: "staging", displayName: "Staging", version: "1.4.0" },
      environment: { name: "prod", displayName: "Production" },
      valuesPath: "apps/payments-api/envs/prod/values.yaml",
      knownRelease: true,
      outOfOrder: false,
      baseCommit: await repo.provider.resolveRef("main"),
    });
  });

  it("changes exactly one line and keeps every other byte, comments included", async () => {
    const result = await plan({ application: "payments-api", environment: "prod" });
    expect(result.currentContent).toBe(PROD_VALUES);
    expect(result.newContent).toBe(
      PROD_VALUES.replace(
        '  tag: "1.3.0"    # do not edit by hand',
        '  tag: "1.4.0"    # do not edit by hand',
      ),
    );
    const before = PROD_VALUES.split("\n");
    const after = result.newContent.split("\n");
    expect(after).toHaveLength(before.length);
    expect(after.filter((line, i) => line !== before[i])).toEqual([
      '  tag: "1.4.0"    # do not edit by hand',
    ]);
    expect(result.diff).toBe(
      [
        "--- a/apps/payments-api/envs/prod/values.yaml",
        "+++ b/apps/payments-api/envs/prod/values.yaml",
        "@@ -4,7 +4,7 @@",
        " image:",
        "   repository: registry.example.com/payments-api   # the public mirror",
        "   # the version, set by promotion",
        '-  tag: "1.3.0"    # do not edit by hand',
        '+  tag: "1.4.0"    # do not edit by hand',
        "   pullPolicy: IfNotPresent",
        " ",
        " replicas: 6",
        "",
      ].join("\n"),
    );
  });

  it("promotes from an empty tag, changing only its bytes", async () => {
    const result = await plan({ application: "chart-default", environment: "prod" });
    expect(result).toMatchObject({
      version: "2.1.0",
      currentVersion: "",
      fromEnvironment: { name: "staging", version: "2.1.0" },
      knownRelease: true,
    });
    expect(result.newContent).toBe(CHART_DEFAULT_VALUES.replace('tag: ""', 'tag: "2.1.0"'));
  });

  it("reads Git, not the catalogue, which may lag behind", async () => {
    const before = await plan({ application: "ledger-worker", environment: "prod" });
    expect(before.version).toBe("0.9.1");
    expect(before.fromEnvironment?.name).toBe("dev");
    repo.commit({
      "apps/ledger-worker/envs/dev/values.yaml": "image:\n  tag: 0.9.2 # bumped\n",
    });
    const after = await plan({ application: "ledger-worker", environment: "prod" });
    expect(after.version).toBe("0.9.2");
    expect(after.baseCommit).toBe(await repo.provider.resolveRef("main"));
  });

  it("takes the digest CI registered, for a version the catalogue shows and one it does not show yet", async () => {
    const app = await db.application.findUniqueOrThrow({ where: { slug: "payments-api" } });
    const digest = (c: string) => `sha256:${c.repeat(64)}`;
    await db.release.upsert({
      where: { applicationId_version: { applicationId: app.id, version: "1.4.0" } },
      create: { applicationId: app.id, version: "1.4.0", source: "api", digest: digest("a") },
      update: { digest: digest("a") },
    });
    const shown = await plan({ application: "payments-api", environment: "prod" });
    expect(shown.edits[0]).toMatchObject({ version: "1.4.0", digest: digest("a") });

    // Git moved on and the catalogue has not caught up: the version is looked up on its own.
    await db.release.create({
      data: { applicationId: app.id, version: "1.6.0", source: "api", digest: digest("b") },
    });
    const head = repo.commit({
      "apps/payments-api/envs/dev/values.yaml": "image:\n  tag: 1.6.0\n",
    });
    const ahead = await plan({ application: "payments-api", environment: "staging" });
    expect(ahead).toMatchObject({ version: "1.6.0", knownRelease: true, baseCommit: head });
    expect(ahead.edits[0]).toMatchObject({ version: "1.6.0", digest: digest("b") });
  });

  it("refuses a version that is already there", async () => {
    const error = await rejection(
      plan({ application: "payments-api", environment: "prod", version: "1.3.0" }),
    );
    expect(error.code).toBe("conflict");
    expect(error.message).toBe("prod already runs payments-api 1.3.0; there is nothing to promote");
  });

  it("refuses an environment that is not next unless skipOrder is set", async () => {
    const error = await rejection(
      plan({ application: "payments-api", environment: "prod", version: "1.5.0" }),
    );
    expect(error.code).toBe("conflict");
    expect(error.message).toContain("prod is not next for 1.5.0: staging runs 1.4.0");
    expect(error.message).toContain("skipOrder");
    const skipped = await plan({
      application: "payments-api",
      environment: "prod",
      version: "1.5.0",
      skipOrder: true,
    });
    expect(skipped).toMatchObject({ version: "1.5.0", outOfOrder: true, knownRelease: true });
  });

  it("refuses a version never seen unless allowNewVersion is set, and says so", async () => {
    const error = await rejection(
      plan({ application: "payments-api", environment: "dev", version: "9.9.9" }),
    );
    expect(error.code).toBe("unprocessable");
    expect(error.message).toContain("9.9.9 is not a known release of payments-api");
    expect(error.message).toContain("allowNewVersion");
    const allowed = await plan({
      application: "payments-api",
      environment: "dev",
      version: "9.9.9",
      allowNewVersion: true,
    });
    expect(allowed).toMatchObject({ knownRelease: false, fromEnvironment: null });
  });

  it("needs a version for the first environment", async () => {
    const error = await rejection(plan({ application: "payments-api", environment: "dev" }));
    expect(error.code).toBe("bad_request");
    expect(error.details).toEqual({ field: "version" });
  });

  it("refuses a version that is not a version", async () => {
    const error = await rejection(
      plan({ application: "payments-api", environment: "dev", version: "1.0 ; rm" }),
    );
    expect(error.code).toBe("bad_request");
    expect(error.message).toContain("is not a valid version");
  });

  it("names unknown applications and environments", async () => {
    const app = await rejection(plan({ application: "nope", environment: "prod" }));
    expect(app).toMatchObject({ code: "not_found", message: 'No application named "nope"' });
    const env = await rejection(plan({ application: "payments-api", environment: "qa" }));
    expect(env).toMatchObject({
      code: "not_found",
      message: 'No environment named "qa"; the environments are dev, staging, prod',
    });
    const notDeployed = await rejection(
      plan({ application: "ledger-worker", environment: "staging" }),
    );
    expect(notDeployed.code).toBe("unprocessable");
    expect(notDeployed.message).toContain("ledger-worker is not deployed to staging");
  });

  it("locates a values file that does not parse", async () => {
    const error = await rejection(plan({ application: "broken-values", environment: "prod" }));
    expect(error.code).toBe("unprocessable");
    expect(error.message).toBe(
      "apps/broken-values/envs/prod/values.yaml:3:1: YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]",
    );
    expect(error.details).toMatchObject({
      file: "apps/broken-values/envs/prod/values.yaml",
      line: 3,
    });
  });

  it("refuses an archived application", async () => {
    const error = await rejection(plan({ application: "old-app", environment: "staging" }));
    expect(error.code).toBe("unprocessable");
    expect(error.message).toContain("old-app is archived");
  });
});
