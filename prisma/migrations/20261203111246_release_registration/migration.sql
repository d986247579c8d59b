-- Releases registered by CI (digest, source, build, who and when), where progression rules stand
-- with each release per environment (one row per release and environment, at most one promotion
-- each), and the teams a token may register releases for.


-- CreateEnum
CREATE TYPE "ReleaseStepState" AS ENUM ('waiting', 'soaking', 'promoted', 'superseded', 'gate_failed', 'skipped');

-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN     "teams" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "Release" ADD COLUMN     "buildUrl" TEXT,
ADD COLUMN     "digest" TEXT,
ADD COLUMN     "notes" TEXT,
ADD COLUMN     "registeredAt" TIMESTAMP(3),
ADD COLUMN     "registeredById" TEXT,
ADD COLUMN     "registeredByKind" TEXT,
ADD COLUMN     "registeredByName" TEXT,
ADD COLUMN     "sourceCommit" TEXT,
ADD COLUMN     "sourceRepository" TEXT;

-- CreateTable
CREATE TABLE "ReleaseStep" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "releaseId" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "rule" TEXT NOT NULL,
    "state" "ReleaseStepState" NOT NULL DEFAULT 'waiting',
    "reason" TEXT,
    "soakStartedAt" TIMESTAMP(3),
    "gateChecks" JSONB NOT NULL DEFAULT '[]',
    "promotionId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ReleaseStep_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ReleaseStep_promotionId_key" ON "ReleaseStep"("promotionId");

-- CreateIndex
CREATE INDEX "ReleaseStep_environmentId_state_idx" ON "ReleaseStep"("environmentId", "state");

-- CreateIndex
CREATE UNIQUE INDEX "ReleaseStep_releaseId_environmentId_key" ON "ReleaseStep"("releaseId", "environmentId");

-- CreateIndex
CREATE INDEX "Release_applicationId_registeredAt_idx" ON "Release"("applicationId", "registeredAt");

-- AddForeignKey
ALTER TABLE "ReleaseStep" ADD CONSTRAINT "ReleaseStep_releaseId_fkey" FOREIGN KEY ("releaseId") REFERENCES "Release"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReleaseStep" ADD CONSTRAINT "ReleaseStep_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReleaseStep" ADD CONSTRAINT "ReleaseStep_promotionId_fkey" FOREIGN KEY ("promotionId") REFERENCES "Promotion"("id") ON DELETE SET NULL ON UPDATE CASCADE;
