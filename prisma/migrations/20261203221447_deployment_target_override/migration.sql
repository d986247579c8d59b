-- Where an environment's own version goes when the file that decides it is shared with other
-- environments or apps (a shared Argo CD values file, a Flux base): written by the import,
-- used by promotion when gantry.yaml sets writeOverrides. Null for the convention layout.

-- AlterTable
ALTER TABLE "DeploymentTarget" ADD COLUMN "override" JSONB;

-- A promotion looks up the other cells whose locators point at the place it edits
-- (locators @> '[{"file": …, "path": …}]'): without an index, every cell is read.
-- CreateIndex
CREATE INDEX "DeploymentTarget_locators_idx" ON "DeploymentTarget" USING GIN ("locators" jsonb_path_ops);
