-- Rollbacks (a promotion kind of their own, and the promotion they take back), holds on
-- rolled-back versions, the gantry/policy commit status last posted on a promotion's pull
-- request, and commit statuses of the local Git provider.

-- CreateEnum
CREATE TYPE "PromotionKind" AS ENUM ('promote', 'rollback');

-- AlterTable
ALTER TABLE "Promotion" ADD COLUMN     "autoRollbackFor" UUID,
ADD COLUMN     "kind" "PromotionKind" NOT NULL DEFAULT 'promote',
ADD COLUMN     "mergedOutsidePolicy" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "policyStatus" TEXT,
ADD COLUMN     "policyStatusSha" TEXT,
ADD COLUMN     "rollsBackId" UUID;

-- CreateTable
CREATE TABLE "ReleaseHold" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "applicationId" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "version" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "rollbackPromotionId" UUID,
    "heldByName" TEXT NOT NULL,
    "heldByEmail" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "releasedAt" TIMESTAMP(3),
    "releasedByName" TEXT,
    "releasedByEmail" TEXT,
    "releaseReason" TEXT,

    CONSTRAINT "ReleaseHold_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LocalCommitStatus" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "repository" TEXT NOT NULL,
    "sha" TEXT NOT NULL,
    "context" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "targetUrl" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LocalCommitStatus_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ReleaseHold_applicationId_version_releasedAt_idx" ON "ReleaseHold"("applicationId", "version", "releasedAt");

-- CreateIndex
CREATE INDEX "ReleaseHold_environmentId_releasedAt_idx" ON "ReleaseHold"("environmentId", "releasedAt");

-- CreateIndex
CREATE UNIQUE INDEX "LocalCommitStatus_repository_sha_context_key" ON "LocalCommitStatus"("repository", "sha", "context");

-- CreateIndex
CREATE UNIQUE INDEX "Promotion_autoRollbackFor_key" ON "Promotion"("autoRollbackFor");

-- AddForeignKey
ALTER TABLE "Promotion" ADD CONSTRAINT "Promotion_rollsBackId_fkey" FOREIGN KEY ("rollsBackId") REFERENCES "Promotion"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReleaseHold" ADD CONSTRAINT "ReleaseHold_applicationId_fkey" FOREIGN KEY ("applicationId") REFERENCES "Application"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReleaseHold" ADD CONSTRAINT "ReleaseHold_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

