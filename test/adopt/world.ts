/**
 * One adopted repository for a test: a fixture repository committed as the
 * team has it, an empty database, and the whole promotion path a person
 * takes through it.
 */
import { importCatalogue } from "@/lib/catalogue/import-catalogue";
import { LocalGitProvider } from "@/lib/git/local/local-provider";
import { mergePromotion } from "@/lib/promotion/merge-promotion";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { requestPromotion } from "@/lib/promotion/request-promotion";
import type { PromotionContext } from "@/lib/promotion/types";
import { createGitopsFixture, type GitopsFixture } from "@/test/catalogue/gitops-fixture";
import { ALICE, BOB, createPeople, RecordedJobs } from "@/test/promotion/support";
import { createTestDatabase } from "@/test/support/db";

export interface World {
  repo: GitopsFixture;
  ctx: PromotionContext;
  importNow(): ReturnType<typeof importCatalogue>;
  close(): Promise<void>;
}

export async function adopt(files: Record<string, string>): Promise<World> {
  const repo = createGitopsFixture();
  const { db, drop } = await createTestDatabase();
  await createPeople(db);
  repo.commit(files, "the repository as the team has it");
  const git = new LocalGitProvider({
    dataDir: repo.dataDir,
    repository: "gitops",
    defaultBranch: "main",
    db,
  });
  const ctx: PromotionContext = {
    db,
    git,
    jobs: new RecordedJobs(),
    versionPath: "image.tag",
    publicUrl: "https://gantry.example.com",
    mergeMethod: "merge",
  };
  return {
    repo,
    ctx,
    importNow: () => importCatalogue({ db, git, versionPath: "image.tag", trigger: "test" }),
    async close() {
      await drop();
      repo.cleanup();
    },
  };
}

export async function cells(world: World) {
  const rows = await world.ctx.db.deploymentTarget.findMany({
    where: { archivedAt: null },
    select: {
      application: { select: { slug: true } },
      environment: { select: { name: true } },
      desiredVersion: true,
      valuesPath: true,
      locators: true,
    },
    orderBy: [{ application: { slug: "asc" } }, { environment: { position: "asc" } }],
  });
  return rows.map((row) => ({
    app: row.application.slug,
    env: row.environment.name,
    version: row.desiredVersion,
    valuesPath: row.valuesPath,
    locators: row.locators,
  }));
}

/**
 * Promotes through the whole path a person takes: plan, request, the pull
 * request job, merge (which re-imports). Returns what was committed.
 */
export async function promote(world: World, app: string, environment: string) {
  const { promotion } = await requestPromotion({
    ctx: world.ctx,
    principal: ALICE,
    application: app,
    environment,
    reason: "verified in the environment before",
  });
  await openPromotionPullRequest({
    ctx: world.ctx,
    promotionId: promotion.id,
    afterStep: () => {},
  });
  const row = await world.ctx.db.promotion.findUniqueOrThrow({ where: { id: promotion.id } });
  const head = row.headCommit ?? "";
  const changed = await world.ctx.git.listCommits({ ref: head, limit: 2 });
  const merged = await mergePromotion({
    ctx: world.ctx,
    promotionId: promotion.id,
    principal: BOB,
  });
  return { row, head, base: changed[1]?.sha ?? "", merged };
}
