-- CreateEnum
CREATE TYPE "SyncState" AS ENUM ('Synced', 'OutOfSync', 'Unknown');

-- CreateEnum
CREATE TYPE "HealthState" AS ENUM ('Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown');

-- AlterTable
ALTER TABLE "Cluster" ADD COLUMN     "agentMode" TEXT,
ADD COLUMN     "agentVersion" TEXT,
ADD COLUMN     "lastReportError" TEXT,
ADD COLUMN     "lastReportErrorAt" TIMESTAMP(3),
ADD COLUMN     "lastSeenAt" TIMESTAMP(3),
ADD COLUMN     "lastSequence" BIGINT,
ADD COLUMN     "tokenCreatedAt" TIMESTAMP(3),
ADD COLUMN     "tokenHash" TEXT;

-- CreateTable
CREATE TABLE "SyncStatus" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "clusterId" UUID NOT NULL,
    "applicationId" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "sourceKind" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "syncState" "SyncState" NOT NULL,
    "health" "HealthState" NOT NULL,
    "syncedRevision" TEXT,
    "attemptedRevision" TEXT,
    "images" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "message" TEXT,
    "deletedAt" TIMESTAMP(3),
    "observedAt" TIMESTAMP(3) NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL,
    "changedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SyncStatus_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SyncStatusChange" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "syncStatusId" UUID NOT NULL,
    "applicationId" UUID NOT NULL,
    "clusterId" UUID NOT NULL,
    "syncState" "SyncState" NOT NULL,
    "health" "HealthState" NOT NULL,
    "syncedRevision" TEXT,
    "attemptedRevision" TEXT,
    "message" TEXT,
    "observedAt" TIMESTAMP(3) NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SyncStatusChange_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SyncStatus_applicationId_environmentId_idx" ON "SyncStatus"("applicationId", "environmentId");

-- CreateIndex
CREATE INDEX "SyncStatus_clusterId_health_idx" ON "SyncStatus"("clusterId", "health");

-- CreateIndex
CREATE INDEX "SyncStatus_environmentId_syncState_health_idx" ON "SyncStatus"("environmentId", "syncState", "health");

-- CreateIndex
CREATE UNIQUE INDEX "SyncStatus_clusterId_sourceKind_namespace_name_key" ON "SyncStatus"("clusterId", "sourceKind", "namespace", "name");

-- CreateIndex
CREATE INDEX "SyncStatusChange_applicationId_observedAt_idx" ON "SyncStatusChange"("applicationId", "observedAt");

-- CreateIndex
CREATE INDEX "SyncStatusChange_syncStatusId_observedAt_idx" ON "SyncStatusChange"("syncStatusId", "observedAt");

-- CreateIndex
CREATE INDEX "SyncStatusChange_clusterId_observedAt_idx" ON "SyncStatusChange"("clusterId", "observedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Cluster_tokenHash_key" ON "Cluster"("tokenHash");

-- AddForeignKey
ALTER TABLE "SyncStatus" ADD CONSTRAINT "SyncStatus_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SyncStatus" ADD CONSTRAINT "SyncStatus_applicationId_fkey" FOREIGN KEY ("applicationId") REFERENCES "Application"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SyncStatus" ADD CONSTRAINT "SyncStatus_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SyncStatusChange" ADD CONSTRAINT "SyncStatusChange_syncStatusId_fkey" FOREIGN KEY ("syncStatusId") REFERENCES "SyncStatus"("id") ON DELETE CASCADE ON UPDATE CASCADE;

