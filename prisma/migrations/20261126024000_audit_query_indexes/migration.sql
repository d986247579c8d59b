-- Timeline queries (lib/audit/list-audit-events.ts): app + action together
-- (the two filters people combine most), an actor by id, a cluster's events
-- (the stale-cluster check), each newest first by sequence.

-- CreateIndex
CREATE INDEX "AuditEvent_application_action_sequence_idx" ON "AuditEvent"("application", "action", "sequence");

-- CreateIndex
CREATE INDEX "AuditEvent_actorId_sequence_idx" ON "AuditEvent"("actorId", "sequence");

-- CreateIndex
CREATE INDEX "AuditEvent_cluster_sequence_idx" ON "AuditEvent"("cluster", "sequence");

-- Free-text search in details (`detail::text ILIKE '%…%'`): trigrams find a
-- rare word without reading the whole chain. Not expressible in
-- schema.prisma (an expression index), so it lives here only.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX "AuditEvent_detail_trgm_idx" ON "AuditEvent" USING gin ((detail::text) gin_trgm_ops);
