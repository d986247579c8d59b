-- What each import's discovery rules found, for the /imports page and GET /api/v1/imports:
-- the layout file read and, per rule, its label with how many apps and cells it yielded.
-- Bounded by the layout file (a few rules), not by the fleet; null for imports made before.

-- AlterTable
ALTER TABLE "CatalogImport" ADD COLUMN "discovery" JSONB;
