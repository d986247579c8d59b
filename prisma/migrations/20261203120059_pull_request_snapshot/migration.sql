-- The promotion page and GET /api/v1/promotions/{id} read the pull request
-- as last seen on the Git host instead of asking the host on every request.

-- AlterTable
ALTER TABLE "Promotion" ADD COLUMN "pullRequestSnapshot" JSONB,
ADD COLUMN "pullRequestSnapshotAt" TIMESTAMP(3);
