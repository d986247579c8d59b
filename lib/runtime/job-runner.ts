import type { PgBoss } from "pg-boss";
import type { GantryConfig } from "@/lib/config";
import { createDbClient } from "@/lib/db";
import { type RunningDemoFeed, startDemoFeed } from "@/lib/demo/demo-feed";
import { startDemoHistory } from "@/lib/demo/demo-history";
import { createGitProvider } from "@/lib/git";
import { LocalGitProvider } from "@/lib/git/local/local-provider";
import { startBoss } from "@/lib/jobs/boss";
import { pgBossPromotionJobs } from "@/lib/jobs/promotion-jobs";
import { stopSendingQueue } from "@/lib/jobs/queue";
import { markJobRunner } from "@/lib/jobs/queue-health";
import { pgBossReleaseJobs, startProgressionWorker } from "@/lib/jobs/release-jobs";
import { startPolicyAndRollbackWorker } from "@/lib/jobs/rollback-jobs";
import { startStaleClusterWorker } from "@/lib/jobs/stale-cluster-jobs";
import { startTrainWorker } from "@/lib/jobs/train-jobs";
import { startPromotionWorkers, startRepositoryWorkers } from "@/lib/jobs/worker";
import { logUnexpected } from "@/lib/log";
import { promotionMergeMethod } from "@/lib/promotion/merge-method";
import type { PromotionContext } from "@/lib/promotion/types";
import { isVersionHeldById } from "@/lib/releases/holds";

/*
 * The job runner is wiring, so it lives at the top: it registers the
 * queue's workers (lib/jobs) and, in the embedded default, the demo
 * clusters' feed and demo history (lib/demo), which nothing below may import.
 */

export interface JobRunner {
  boss: PgBoss;
  stop(): Promise<void>;
}

/**
 * The job runner `npm start` starts after the import: its own database
 * client, Git provider and PgBoss (with maintenance), and in the embedded
 * default the demo clusters' status feed, until `stop()`.
 */
export async function startJobRunner(params: {
  config: GantryConfig;
  databaseUrl: string;
}): Promise<JobRunner> {
  const { config } = params;
  const db = createDbClient(params.databaseUrl);
  let boss: PgBoss | undefined;
  let demoFeed: RunningDemoFeed | null = null;
  try {
    boss = await startBoss(params.databaseUrl, { supervise: true, listen: true, schedule: true });
    const ctx: PromotionContext = {
      db,
      git: createGitProvider(config, { db }),
      jobs: pgBossPromotionJobs(boss),
      versionPath: config.git.versionPath,
      layoutFile: config.git.layoutFile,
      publicUrl: config.publicUrl,
      mergeMethod: promotionMergeMethod(config),
    };
    await startPromotionWorkers({ boss, ctx });
    await startRepositoryWorkers({ boss, ctx });
    await startTrainWorker({ boss, ctx });
    await startStaleClusterWorker({ boss, db, staleAfterSeconds: config.syncStaleAfterSeconds });
    await startPolicyAndRollbackWorker({ boss, ctx });
    // A version held after a rollback is never promoted again by a rule.
    await startProgressionWorker({
      boss,
      ctx,
      isHeld: isVersionHeldById,
    });
    // The portal works without it: a feed that cannot start is logged, not fatal.
    demoFeed = await startDemoFeed({
      config,
      db,
      git: ctx.git instanceof LocalGitProvider ? ctx.git : null,
      releaseJobs: pgBossReleaseJobs(boss),
    }).catch((error: unknown) => {
      logUnexpected(error, { during: "starting the demo feed" });
      return null;
    });
  } catch (error) {
    await boss?.stop({ graceful: false }).catch(() => undefined);
    await db.$disconnect();
    throw error;
  }
  const started = boss;
  const demoHistory = startDemoHistory({ config, db }); // in the background: the portal does not wait
  markJobRunner(true);
  return {
    boss: started,
    async stop() {
      markJobRunner(false);
      await demoHistory.stop();
      await demoFeed?.stop();
      // Graceful: running jobs finish (they are idempotent if they do not).
      await started.stop({ graceful: true, timeout: 20_000 });
      // The web handlers' sender lives in the same process under `npm start`.
      await stopSendingQueue();
      await db.$disconnect();
    },
  };
}
