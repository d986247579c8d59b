import type { Prisma, PrismaClient } from "@/lib/generated/prisma/client";
import type { GitProvider } from "@/lib/git/provider";
import type { HostChange } from "@/lib/promotion/host-change";

/** The background work promotion verbs hand to the job queue. */
export interface PromotionJobs {
  /**
   * The job that opens a promotion's pull request. Inside `tx` when given,
   * so the job exists exactly when the promotion row that needs it does (no
   * lost jobs, no jobs for rolled-back rows).
   */
  enqueueOpenPullRequest(params: {
    promotionId: string;
    tx?: Prisma.TransactionClient;
  }): Promise<void>;
  /** The job that applies a change the Git host reported; inside `tx` with the delivery's record. */
  enqueueHostChange(params: {
    deliveryId: string;
    change: HostChange;
    tx?: Prisma.TransactionClient;
  }): Promise<void>;
  /** A catalogue re-import; requests made while one is already queued coalesce into it. */
  requestCatalogueImport(params: { reason: string }): Promise<void>;
}

/** What the promotion verbs work with; `getPromotionContext()` builds the app's. */
export interface PromotionContext {
  db: PrismaClient;
  git: GitProvider;
  jobs: PromotionJobs;
  /** Dotted path of the version inside a values file (GANTRY_VERSION_PATH). */
  versionPath: string;
  /** The layout file in the GitOps repository (GANTRY_LAYOUT_FILE); gantry.yaml when not given. */
  layoutFile?: string;
  /** The portal's base URL, for the link back in pull request bodies. */
  publicUrl: string;
  mergeMethod: "merge" | "squash";
}
