-- The catalogue's free-text search (lib/catalogue/list-applications.ts):
-- `slug`, `name` or `description` containing the text. Without an index it
-- read every application (72 ms at 10,000 apps, the slowest catalogue view).
-- Trigrams of the three fields joined narrow it to the candidates; the
-- query keeps its per-field test, so a match across the joins never counts.
-- The query must repeat this expression exactly for the index to be used.
-- Not expressible in schema.prisma (an expression index), so it lives here only.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "Application_search_trgm_idx" ON "Application"
  USING gin (("slug" || ' ' || "name" || ' ' || "description") gin_trgm_ops);
