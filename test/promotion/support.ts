import type { Actor } from "@/lib/auth/actor";
import { importCatalog } from "@/lib/catalog/import-catalog";
import type { PrismaClient } from "@/lib/generated/prisma/client";
import { LocalGitProvider } from "@/lib/git/local/local-provider";
import type { PromotionContext, PromotionJobs } from "@/lib/promotion/types";
import {
  appFiles,
  CHART_YAML,
  createGitopsFixture,
  ENVIRONMENTS_YAML,
  type GitopsFixture,
} from "@/test/catalog/gitops-fixture";
import { createTestDatabase } from "@/test/support/db";

export const ALICE: Actor = {
  kind: "person",
  id: null,
  name: "Alice Developer",
  email: "alice@example.com",
};
export const BOB: Actor = {
  kind: "person",
  id: null,
  name: "Bob Approver",
  email: "bob@example.com",
};

/** Jobs that are only recorded: the test runs the job body itself. */
export class RecordedJobs implements PromotionJobs {
  readonly enqueued: string[] = [];
  async enqueueOpenPullRequest(params: { promotionId: string }): Promise<void> {
    this.enqueued.push(params.promotionId);
  }
}

export interface PromotionWorld {
  repo: GitopsFixture;
  db: PrismaClient;
  url: string;
  provider: LocalGitProvider;
  ctx: PromotionContext;
  jobs: RecordedJobs;
  /** git in the bare repository. */
  git(...args: string[]): Promise<string>;
  importNow(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A GitOps repository with `apps` apps (app-0, app-1, …) at dev 1.1.0,
 * staging 1.1.0, prod 1.0.0, imported into a database of the test's own.
 */
export async function createPromotionWorld(
  options: { apps?: number; jobs?: PromotionJobs; mergeMethod?: "merge" | "squash" } = {},
): Promise<PromotionWorld> {
  const repo = createGitopsFixture();
  const { db, url, drop } = await createTestDatabase();
  const files: Record<string, string> = {
    "environments.yaml": ENVIRONMENTS_YAML,
    "charts/web-service/Chart.yaml": CHART_YAML,
  };
  for (let i = 0; i < (options.apps ?? 4); i++) {
    Object.assign(
      files,
      appFiles(`app-${i}`, "payments", { dev: "1.1.0", staging: "1.1.0", prod: "1.0.0" }),
    );
  }
  repo.commit(files, "fleet");
  const provider = new LocalGitProvider({
    dataDir: repo.dataDir,
    repository: "gitops",
    defaultBranch: "main",
    db,
  });
  const jobs = new RecordedJobs();
  const importNow = async () => {
    await importCatalog({ db, git: provider, versionPath: "image.tag", trigger: "test" });
  };
  await importNow();
  return {
    repo,
    db,
    url,
    provider,
    jobs,
    ctx: {
      db,
      git: provider,
      jobs: options.jobs ?? jobs,
      versionPath: "image.tag",
      publicUrl: "https://gantry.example.com",
      mergeMethod: options.mergeMethod ?? "merge",
    },
    git: (...args: string[]) => provider.git.text(args),
    importNow,
    async close() {
      await drop();
      repo.cleanup();
    },
  };
}
