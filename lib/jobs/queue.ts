import type { PgBoss } from "pg-boss";
import { startBoss } from "@/lib/jobs/boss";
import { pgBossPromotionJobs } from "@/lib/jobs/promotion-jobs";
import { pgBossReleaseJobs } from "@/lib/jobs/release-jobs";
import { pgBossTrainJobs } from "@/lib/jobs/train-jobs";
import type { PromotionJobs } from "@/lib/promotion/types";
import type { ReleaseJobs } from "@/lib/releases/types";
import type { TrainJobs } from "@/lib/trains/types";

declare global {
  // One sending PgBoss per server process, kept across Next.js' module reloads in development.
  var gantryJobQueue: Promise<PgBoss> | undefined;
}

/**
 * The web process's side of the queue: it only sends (workers run in the
 * job runner `npm start` starts). Started on first use.
 */
export function sendingPromotionJobs(databaseUrl: string): PromotionJobs {
  const jobs = async () => pgBossPromotionJobs(await sendingBoss(databaseUrl));
  return {
    async enqueueOpenPullRequest(params) {
      await (await jobs()).enqueueOpenPullRequest(params);
    },
    async enqueueHostChange(params) {
      await (await jobs()).enqueueHostChange(params);
    },
    async requestCatalogueImport(params) {
      await (await jobs()).requestCatalogueImport(params);
    },
  };
}

/** The web process's release jobs: it only sends; the job runner evaluates. */
export function sendingReleaseJobs(databaseUrl: string): ReleaseJobs {
  return {
    async requestProgression(params) {
      await pgBossReleaseJobs(await sendingBoss(databaseUrl)).requestProgression(params);
    },
  };
}

/** The web process's train jobs: it only sends; the job runner opens the pull request. */
export function sendingTrainJobs(databaseUrl: string): TrainJobs {
  return {
    async enqueueOpenTrainPullRequest(params) {
      await pgBossTrainJobs(await sendingBoss(databaseUrl)).enqueueOpenTrainPullRequest(params);
    },
  };
}

function sendingBoss(databaseUrl: string): Promise<PgBoss> {
  globalThis.gantryJobQueue ??= startBoss(databaseUrl, { max: 2 }).catch((error: unknown) => {
    globalThis.gantryJobQueue = undefined;
    throw error;
  });
  return globalThis.gantryJobQueue;
}

/** Stops this process's sending PgBoss, if one was started (at shutdown, before the database). */
export async function stopSendingQueue(): Promise<void> {
  const queue = globalThis.gantryJobQueue;
  globalThis.gantryJobQueue = undefined;
  const boss = await queue?.catch(() => undefined);
  await boss?.stop({ graceful: false, close: true });
}
