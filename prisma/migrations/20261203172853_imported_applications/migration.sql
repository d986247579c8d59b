-- Every import records the application directories it saw and a fingerprint of what it
-- wrote for each: the next import diffs the two commits and starts from these rows, so
-- nothing of the previous import needs to live in a process's memory. Imports made
-- before this have no such rows (appsRecorded false): the next one reads everything.

-- AlterTable
ALTER TABLE "CatalogImport" ADD COLUMN "appsRecorded" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "ImportedApplication" (
    "slug" TEXT NOT NULL,
    "fingerprint" TEXT,

    CONSTRAINT "ImportedApplication_pkey" PRIMARY KEY ("slug")
);
