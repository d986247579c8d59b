-- CreateEnum
CREATE TYPE "LocalPullRequestState" AS ENUM ('open', 'closed', 'merged');

-- CreateEnum
CREATE TYPE "PullRequestReviewState" AS ENUM ('approved', 'changes_requested', 'commented', 'dismissed');

-- CreateEnum
CREATE TYPE "PromotionState" AS ENUM ('planned', 'pr_open', 'approved', 'merged', 'syncing', 'deployed', 'rejected', 'closed', 'failed', 'superseded', 'rolled_back');

-- CreateTable
CREATE TABLE "LocalPullRequest" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "repository" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "head" TEXT NOT NULL,
    "base" TEXT NOT NULL,
    "headSha" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "labels" TEXT[],
    "state" "LocalPullRequestState" NOT NULL DEFAULT 'open',
    "authorName" TEXT NOT NULL,
    "authorEmail" TEXT NOT NULL,
    "authorLogin" TEXT,
    "mergeCommitSha" TEXT,
    "mergedByName" TEXT,
    "mergedByEmail" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "mergedAt" TIMESTAMP(3),
    "closedAt" TIMESTAMP(3),

    CONSTRAINT "LocalPullRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LocalPullRequestReview" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "pullRequestId" UUID NOT NULL,
    "reviewerName" TEXT NOT NULL,
    "reviewerEmail" TEXT NOT NULL,
    "reviewerLogin" TEXT,
    "state" "PullRequestReviewState" NOT NULL,
    "body" TEXT NOT NULL,
    "commitSha" TEXT,
    "submittedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LocalPullRequestReview_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LocalPullRequestComment" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "pullRequestId" UUID NOT NULL,
    "authorName" TEXT NOT NULL,
    "authorEmail" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LocalPullRequestComment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Promotion" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "applicationId" UUID NOT NULL,
    "fromEnvironment" TEXT,
    "toEnvironmentId" UUID NOT NULL,
    "version" TEXT NOT NULL,
    "previousVersion" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "requestedByName" TEXT NOT NULL,
    "requestedByEmail" TEXT NOT NULL,
    "planDiff" TEXT NOT NULL,
    "valuesPath" TEXT NOT NULL,
    "baseCommit" TEXT NOT NULL,
    "branch" TEXT NOT NULL,
    "headCommit" TEXT,
    "prNumber" INTEGER,
    "prUrl" TEXT,
    "mergeCommit" TEXT,
    "state" "PromotionState" NOT NULL DEFAULT 'planned',
    "failureReason" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "supersededById" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "prOpenedAt" TIMESTAMP(3),
    "approvedAt" TIMESTAMP(3),
    "mergedAt" TIMESTAMP(3),
    "syncingAt" TIMESTAMP(3),
    "deployedAt" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),
    "failedAt" TIMESTAMP(3),

    CONSTRAINT "Promotion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PromotionEvent" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "promotionId" UUID NOT NULL,
    "fromState" "PromotionState",
    "toState" "PromotionState" NOT NULL,
    "actorName" TEXT NOT NULL,
    "actorEmail" TEXT NOT NULL,
    "detail" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PromotionEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "scopes" TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "LocalPullRequest_repository_head_base_idx" ON "LocalPullRequest"("repository", "head", "base");

-- CreateIndex
CREATE UNIQUE INDEX "LocalPullRequest_repository_number_key" ON "LocalPullRequest"("repository", "number");

-- CreateIndex
CREATE INDEX "LocalPullRequestReview_pullRequestId_submittedAt_idx" ON "LocalPullRequestReview"("pullRequestId", "submittedAt");

-- CreateIndex
CREATE INDEX "LocalPullRequestComment_pullRequestId_createdAt_idx" ON "LocalPullRequestComment"("pullRequestId", "createdAt");

-- CreateIndex
CREATE INDEX "Promotion_state_createdAt_idx" ON "Promotion"("state", "createdAt");

-- CreateIndex
CREATE INDEX "Promotion_applicationId_toEnvironmentId_createdAt_idx" ON "Promotion"("applicationId", "toEnvironmentId", "createdAt");

-- CreateIndex
CREATE INDEX "Promotion_toEnvironmentId_createdAt_idx" ON "Promotion"("toEnvironmentId", "createdAt");

-- CreateIndex
CREATE INDEX "Promotion_requestedByEmail_createdAt_idx" ON "Promotion"("requestedByEmail", "createdAt");

-- CreateIndex
CREATE INDEX "Promotion_createdAt_idx" ON "Promotion"("createdAt");

-- CreateIndex
CREATE INDEX "PromotionEvent_promotionId_at_idx" ON "PromotionEvent"("promotionId", "at");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");

-- CreateIndex
CREATE INDEX "ApiToken_name_idx" ON "ApiToken"("name");

-- AddForeignKey
ALTER TABLE "LocalPullRequestReview" ADD CONSTRAINT "LocalPullRequestReview_pullRequestId_fkey" FOREIGN KEY ("pullRequestId") REFERENCES "LocalPullRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LocalPullRequestComment" ADD CONSTRAINT "LocalPullRequestComment_pullRequestId_fkey" FOREIGN KEY ("pullRequestId") REFERENCES "LocalPullRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Promotion" ADD CONSTRAINT "Promotion_applicationId_fkey" FOREIGN KEY ("applicationId") REFERENCES "Application"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Promotion" ADD CONSTRAINT "Promotion_toEnvironmentId_fkey" FOREIGN KEY ("toEnvironmentId") REFERENCES "Environment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Promotion" ADD CONSTRAINT "Promotion_supersededById_fkey" FOREIGN KEY ("supersededById") REFERENCES "Promotion"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PromotionEvent" ADD CONSTRAINT "PromotionEvent_promotionId_fkey" FOREIGN KEY ("promotionId") REFERENCES "Promotion"("id") ON DELETE CASCADE ON UPDATE CASCADE;
