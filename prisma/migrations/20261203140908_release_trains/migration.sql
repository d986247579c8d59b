-- Release trains: many applications promoted in one pull request, each as its own
-- promotion pointing at the train.

-- AlterTable
ALTER TABLE "Promotion" ADD COLUMN     "trainId" UUID;

-- CreateTable
CREATE TABLE "Train" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "selection" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "requestedByName" TEXT NOT NULL,
    "requestedByEmail" TEXT NOT NULL,
    "requestedById" TEXT,
    "branch" TEXT NOT NULL,
    "baseCommit" TEXT NOT NULL,
    "headCommit" TEXT,
    "prNumber" INTEGER,
    "prUrl" TEXT,
    "excluded" JSONB NOT NULL DEFAULT '[]',
    "failureReason" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Train_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Train_branch_key" ON "Train"("branch");

-- CreateIndex
CREATE INDEX "Train_createdAt_idx" ON "Train"("createdAt");

-- CreateIndex
CREATE INDEX "Train_prNumber_idx" ON "Train"("prNumber");

-- CreateIndex
CREATE INDEX "Promotion_trainId_idx" ON "Promotion"("trainId");

-- AddForeignKey
ALTER TABLE "Promotion" ADD CONSTRAINT "Promotion_trainId_fkey" FOREIGN KEY ("trainId") REFERENCES "Train"("id") ON DELETE SET NULL ON UPDATE CASCADE;

