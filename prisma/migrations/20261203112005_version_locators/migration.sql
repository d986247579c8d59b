-- Where each cell's version lives (gantry.yaml discovery rules): one or more
-- version locators, the first one's value being the cell's version. Empty
-- for rows imported before; they read as Gantry's own convention.

-- AlterTable
ALTER TABLE "DeploymentTarget" ADD COLUMN "locators" JSONB NOT NULL DEFAULT '[]';

-- AlterTable
ALTER TABLE "Promotion" ADD COLUMN "locators" JSONB NOT NULL DEFAULT '[]';
