-- AlterTable
ALTER TABLE "Cluster" ADD COLUMN     "registeredInPortal" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "SyncStatus" ADD COLUMN     "operationMessage" TEXT,
ADD COLUMN     "operationPhase" TEXT,
ADD COLUMN     "operationRevision" TEXT;

-- CreateTable
CREATE TABLE "SyncSnapshotPart" (
    "clusterId" UUID NOT NULL,
    "snapshotId" TEXT NOT NULL,
    "part" INTEGER NOT NULL,
    "parts" INTEGER NOT NULL,
    "sentAt" TIMESTAMP(3) NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL,
    "kinds" TEXT[],
    "namespaces" TEXT[],
    "names" TEXT[],

    CONSTRAINT "SyncSnapshotPart_pkey" PRIMARY KEY ("clusterId","snapshotId","part")
);

-- AddForeignKey
ALTER TABLE "SyncSnapshotPart" ADD CONSTRAINT "SyncSnapshotPart_clusterId_fkey" FOREIGN KEY ("clusterId") REFERENCES "Cluster"("id") ON DELETE CASCADE ON UPDATE CASCADE;
