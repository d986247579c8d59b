-- CreateEnum
CREATE TYPE "Tier" AS ENUM ('critical', 'high', 'medium', 'low');

-- CreateEnum
CREATE TYPE "ImportStatus" AS ENUM ('running', 'succeeded', 'failed');

-- CreateEnum
CREATE TYPE "ReleaseSource" AS ENUM ('git', 'api');

-- CreateTable
CREATE TABLE "Team" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Team_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Application" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "teamId" UUID NOT NULL,
    "tier" "Tier" NOT NULL DEFAULT 'medium',
    "chart" TEXT NOT NULL,
    "links" JSONB NOT NULL DEFAULT '[]',
    "versionsDiffer" BOOLEAN NOT NULL DEFAULT false,
    "lastCommit" TEXT NOT NULL,
    "archivedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Application_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApplicationLabel" (
    "applicationId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,

    CONSTRAINT "ApplicationLabel_pkey" PRIMARY KEY ("applicationId","key")
);

-- CreateTable
CREATE TABLE "Environment" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "position" INTEGER NOT NULL,
    "archivedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Environment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Cluster" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "environmentId" UUID NOT NULL,
    "region" TEXT,
    "provider" TEXT,
    "archivedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Cluster_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeploymentTarget" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "applicationId" UUID NOT NULL,
    "environmentId" UUID NOT NULL,
    "desiredVersion" TEXT,
    "valuesPath" TEXT NOT NULL,
    "desiredCommit" TEXT NOT NULL,
    "archivedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DeploymentTarget_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Release" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "applicationId" UUID NOT NULL,
    "version" TEXT NOT NULL,
    "source" "ReleaseSource" NOT NULL,
    "commit" TEXT,
    "firstSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Release_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CatalogImport" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "repository" TEXT NOT NULL,
    "ref" TEXT NOT NULL,
    "commit" TEXT,
    "status" "ImportStatus" NOT NULL DEFAULT 'running',
    "trigger" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "appsSeen" INTEGER NOT NULL DEFAULT 0,
    "appsCreated" INTEGER NOT NULL DEFAULT 0,
    "appsUpdated" INTEGER NOT NULL DEFAULT 0,
    "appsArchived" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,

    CONSTRAINT "CatalogImport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ImportProblem" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "importId" UUID NOT NULL,
    "applicationSlug" TEXT,
    "file" TEXT NOT NULL,
    "line" INTEGER,
    "column" INTEGER,
    "message" TEXT NOT NULL,

    CONSTRAINT "ImportProblem_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Team_slug_key" ON "Team"("slug");

-- CreateIndex
CREATE UNIQUE INDEX "Application_slug_key" ON "Application"("slug");

-- CreateIndex
CREATE INDEX "Application_teamId_name_idx" ON "Application"("teamId", "name");

-- CreateIndex
CREATE INDEX "Application_tier_name_idx" ON "Application"("tier", "name");

-- CreateIndex
CREATE INDEX "Application_archivedAt_name_idx" ON "Application"("archivedAt", "name");

-- CreateIndex
CREATE INDEX "Application_versionsDiffer_name_idx" ON "Application"("versionsDiffer", "name");

-- CreateIndex
CREATE INDEX "Application_updatedAt_idx" ON "Application"("updatedAt");

-- CreateIndex
CREATE INDEX "ApplicationLabel_key_value_idx" ON "ApplicationLabel"("key", "value");

-- CreateIndex
CREATE UNIQUE INDEX "Environment_name_key" ON "Environment"("name");

-- CreateIndex
CREATE INDEX "Environment_position_idx" ON "Environment"("position");

-- CreateIndex
CREATE UNIQUE INDEX "Cluster_name_key" ON "Cluster"("name");

-- CreateIndex
CREATE INDEX "Cluster_environmentId_idx" ON "Cluster"("environmentId");

-- CreateIndex
CREATE INDEX "DeploymentTarget_environmentId_desiredVersion_idx" ON "DeploymentTarget"("environmentId", "desiredVersion");

-- CreateIndex
CREATE UNIQUE INDEX "DeploymentTarget_applicationId_environmentId_key" ON "DeploymentTarget"("applicationId", "environmentId");

-- CreateIndex
CREATE INDEX "Release_applicationId_firstSeenAt_idx" ON "Release"("applicationId", "firstSeenAt");

-- CreateIndex
CREATE UNIQUE INDEX "Release_applicationId_version_key" ON "Release"("applicationId", "version");

-- CreateIndex
CREATE INDEX "CatalogImport_startedAt_idx" ON "CatalogImport"("startedAt");

-- CreateIndex
CREATE INDEX "CatalogImport_status_startedAt_idx" ON "CatalogImport"("status", "startedAt");

-- CreateIndex
CREATE INDEX "ImportProblem_importId_idx" ON "ImportProblem"("importId");

-- CreateIndex
CREATE INDEX "ImportProblem_applicationSlug_idx" ON "ImportProblem"("applicationSlug");

-- AddForeignKey
ALTER TABLE "Application" ADD CONSTRAINT "Application_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApplicationLabel" ADD CONSTRAINT "ApplicationLabel_applicationId_fkey" FOREIGN KEY ("applicationId") REFERENCES "Application"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Cluster" ADD CONSTRAINT "Cluster_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeploymentTarget" ADD CONSTRAINT "DeploymentTarget_applicationId_fkey" FOREIGN KEY ("applicationId") REFERENCES "Application"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeploymentTarget" ADD CONSTRAINT "DeploymentTarget_environmentId_fkey" FOREIGN KEY ("environmentId") REFERENCES "Environment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Release" ADD CONSTRAINT "Release_applicationId_fkey" FOREIGN KEY ("applicationId") REFERENCES "Application"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ImportProblem" ADD CONSTRAINT "ImportProblem_importId_fkey" FOREIGN KEY ("importId") REFERENCES "CatalogImport"("id") ON DELETE CASCADE ON UPDATE CASCADE;
