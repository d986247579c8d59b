-- An import records what it read with (version path, layout file) and whether it
-- re-read the whole repository or only what changed since the previous import:
-- a later import on the same head and settings has nothing to do.

-- AlterTable
ALTER TABLE "CatalogImport" ADD COLUMN "mode" TEXT NOT NULL DEFAULT 'full',
ADD COLUMN "settings" TEXT;
