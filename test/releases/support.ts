import type { PromotionState } from "@/lib/generated/prisma/client";
import type { CiToken } from "@/lib/identity/principal";
import { openPromotionPullRequest } from "@/lib/promotion/open-pull-request";
import { registerRelease } from "@/lib/releases/register-release";
import type { ReleaseJobs } from "@/lib/releases/types";
import { ingestReport } from "@/lib/sync/ingest-report";
import type { HealthState, SyncState } from "@/lib/sync-status/report";
import {
  createPromotionWorld,
  environmentsYaml,
  type PromotionWorld,
} from "@/test/promotion/support";
import { argoItem, reportingCluster } from "@/test/sync/support";

/** Release jobs that are only recorded: the test runs the evaluation itself, with its own clock. */
export class RecordedReleaseJobs implements ReleaseJobs {
  readonly requested: string[] = [];
  async requestProgression(params: { reason: string }): Promise<void> {
    this.requested.push(params.reason);
  }
}

/** A CI token that may register releases of team payments (every app of the promotion world). */
export const PAYMENTS_CI: CiToken = {
  kind: "ci_token",
  id: "00000000-0000-4000-8000-00000000c1c1",
  name: "payments-ci",
  scopes: ["releases:write"],
  teams: ["payments"],
};

export interface ReleaseWorld extends PromotionWorld {
  releaseJobs: RecordedReleaseJobs;
  setPolicies(policies: Parameters<typeof environmentsYaml>[0]): Promise<void>;
  register(app: string, version: string, at?: Date): Promise<{ id: string }>;
  /** Runs the pull request jobs the promotions enqueued (autoMerge merges), then re-imports. */
  runPullRequestJobs(): Promise<void>;
  /** One cluster's report of one application, observed and received at `at`. */
  report(params: {
    cluster: string;
    environment: string;
    application: string;
    syncState: SyncState;
    health: HealthState;
    revision: string | null;
    at: Date;
  }): Promise<void>;
  promotionsOf(app: string, environment: string): Promise<PromotionRow[]>;
}

export interface PromotionRow {
  id: string;
  version: string;
  state: PromotionState;
  requestedByName: string;
  mergeCommit: string | null;
  deployedAt: Date | null;
}

export async function createReleaseWorld(options: { apps?: number } = {}): Promise<ReleaseWorld> {
  const world = await createPromotionWorld({ apps: options.apps ?? 3 });
  const releaseJobs = new RecordedReleaseJobs();
  let sequence = 0;
  return {
    ...world,
    releaseJobs,
    async setPolicies(policies) {
      world.repo.commit({ "environments.yaml": environmentsYaml(policies) }, "policies");
      await world.importNow();
    },
    async register(app, version, at) {
      const { release } = await registerRelease({
        db: world.db,
        jobs: releaseJobs,
        principal: PAYMENTS_CI,
        input: { app, version },
        now: at,
      });
      return { id: release.id };
    },
    async runPullRequestJobs() {
      for (const promotionId of world.jobs.enqueued.splice(0)) {
        await openPromotionPullRequest({ ctx: world.ctx, promotionId });
      }
      await world.importNow();
    },
    async report(params) {
      sequence += 1;
      await ingestReport({
        db: world.db,
        git: world.provider,
        cluster: await reportingCluster(world.db, params.cluster),
        receivedAt: params.at,
        report: {
          schemaVersion: 1,
          agent: { version: "test", mode: "agent" },
          kind: "delta",
          sequence,
          sentAt: params.at.toISOString(),
          items: [
            argoItem({
              application: params.application,
              environment: params.environment,
              syncState: params.syncState,
              health: params.health,
              revision: params.revision,
              observedAt: params.at,
            }),
          ],
        },
      });
    },
    promotionsOf(app, environment) {
      return world.db.promotion.findMany({
        where: { application: { slug: app }, toEnvironment: { name: environment } },
        orderBy: { createdAt: "asc" },
        select: {
          id: true,
          version: true,
          state: true,
          requestedByName: true,
          mergeCommit: true,
          deployedAt: true,
        },
      });
    },
  };
}
