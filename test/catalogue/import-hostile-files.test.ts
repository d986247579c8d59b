import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { createTestDatabase } from "@/test/support/db";
import {
  appFiles,
  appYaml,
  CHART_YAML,
  createGitopsFixture,
  ENVIRONMENTS_YAML,
  type GitopsFixture,
  valuesYaml,
} from "./gitops-fixture";

/** A "billion laughs": each level doubles nine times; resolving it would never end. */
function aliasBomb(): string {
  const lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
  for (let i = 1; i <= 9; i++) {
    const previous = `*a${i - 1}`;
    lines.push(`a${i}: &a${i} [${Array(9).fill(previous).join(", ")}]`);
  }
  return lines.join("\n");
}

/** One hostile file is one problem on one app; the other apps import. */
describe("importing a repository with a hostile file", () => {
  let repo: GitopsFixture;
  let db: PrismaClient;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    repo = createGitopsFixture();
    ({ db, drop } = await createTestDatabase());
  });
  afterAll(async () => {
    await drop?.();
    repo?.cleanup();
  });

  it("reports an alias bomb in one app.yaml and a huge values file, and imports the rest", async () => {
    repo.commit({
      "environments.yaml": ENVIRONMENTS_YAML,
      "charts/web-service/Chart.yaml": CHART_YAML,
      ...appFiles("good-api", "payments", { dev: "1.0.0" }),
      ...appFiles("bomb-api", "payments", { dev: "1.0.0" }),
      "apps/bomb-api/app.yaml": appYaml({ name: "bomb-api", team: "payments", extra: aliasBomb() }),
      ...appFiles("huge-api", "payments", { dev: "1.0.0", prod: "1.0.0" }),
      "apps/huge-api/envs/prod/values.yaml": `${valuesYaml("1.0.0")}padding: "${"x".repeat(2 * 1024 * 1024)}"\n`,
    });
    const result = await importCatalogue({
      db,
      git: repo.provider,
      versionPath: "image.tag",
      trigger: "test",
    });
    const slugs = (await db.application.findMany({ select: { slug: true } })).map((a) => a.slug);
    expect(slugs).toContain("good-api");
    expect(slugs).toContain("huge-api");
    expect(slugs).not.toContain("bomb-api");
    const problems = await db.importProblem.findMany({ where: { importId: result.importId } });
    const bomb = problems.find((p) => p.file === "apps/bomb-api/app.yaml");
    expect(bomb?.message).toMatch(/alias/i);
    const huge = problems.find((p) => p.file === "apps/huge-api/envs/prod/values.yaml");
    expect(huge?.message).toMatch(/larger than/i);
  });
});
