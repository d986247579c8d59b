-- A promotion's history is its audit events: every state change has been
-- written to both "PromotionEvent" and "AuditEvent" in one transaction since
-- the audit chain exists, so the two told the same story twice. The
-- promotion page now reads the audit chain (lib/audit/list-promotion-events).
--
-- Not every PromotionEvent has an audit counterpart, though: events from
-- before the audit chain existed, and the notes a syncing promotion got when
-- a cluster reported trouble (syncing → syncing). Those are appended to the
-- chain here, before the table goes, so no history is lost: one audit event
-- each, at the time it happened, action `promotion.<to>` (a note:
-- `promotion.noted`), detail { from, to, detail, actorEmail, migratedFrom }.
-- The hash is computed exactly as lib/audit/canonical.ts does (keys sorted,
-- no whitespace, SHA-256 of the UTF-8 text), so verify-chain holds.
--
-- A PromotionEvent has a counterpart when the audit chain holds as many
-- events of the same promotion, from-state and to-state up to it: the k-th
-- such PromotionEvent (by time) is the k-th such audit event (by sequence).

DO $$
DECLARE
  last_sequence BIGINT;
  last_hash TEXT;
  event RECORD;
  at_text TEXT;
  detail_text TEXT;
  canonical TEXT;
  next_hash TEXT;
  action_name TEXT;
  actor_kind TEXT;
  outcome_name TEXT;
BEGIN
  -- The chain's writers' lock (lib/audit/record-audit-event.ts), held to the end of this statement.
  PERFORM pg_advisory_xact_lock(1734438516);
  SELECT sequence, hash INTO last_sequence, last_hash
    FROM "AuditEvent" ORDER BY sequence DESC LIMIT 1;
  last_sequence := COALESCE(last_sequence, 0);
  last_hash := COALESCE(last_hash, repeat('0', 64));

  FOR event IN
    WITH numbered_events AS (
      SELECT pe.*, row_number() OVER (
        PARTITION BY pe."promotionId", pe."fromState", pe."toState"
        ORDER BY pe.at, pe.id
      ) AS nth
      FROM "PromotionEvent" pe
    ),
    numbered_audit AS (
      SELECT ae."promotionId", ae.detail ->> 'from' AS from_state, ae.detail ->> 'to' AS to_state,
        row_number() OVER (
          PARTITION BY ae."promotionId", ae.detail ->> 'from', ae.detail ->> 'to'
          ORDER BY ae.sequence
        ) AS nth
      FROM "AuditEvent" ae
      WHERE ae."promotionId" IS NOT NULL AND ae.action LIKE 'promotion.%'
        AND ae.detail ? 'to'
    )
    SELECT e.*, a.slug AS application, t.slug AS team, env.name AS environment
    FROM numbered_events e
    JOIN "Promotion" p ON p.id = e."promotionId"
    JOIN "Application" a ON a.id = p."applicationId"
    JOIN "Team" t ON t.id = a."teamId"
    JOIN "Environment" env ON env.id = p."toEnvironmentId"
    WHERE NOT EXISTS (
      SELECT 1 FROM numbered_audit na
      WHERE na."promotionId" = e."promotionId"
        AND na.from_state IS NOT DISTINCT FROM e."fromState"::text
        AND na.to_state = e."toState"::text
        AND na.nth = e.nth
    )
    ORDER BY e.at, e.id
  LOOP
    last_sequence := last_sequence + 1;
    at_text := to_char(event.at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
    action_name := CASE
      WHEN event."fromState" = event."toState" THEN 'promotion.noted'
      ELSE 'promotion.' || event."toState"::text
    END;
    actor_kind := CASE WHEN event."actorEmail" = 'gantry@localhost' THEN 'system' ELSE 'person' END;
    outcome_name := CASE WHEN event."toState" = 'failed' AND event."fromState" IS DISTINCT FROM 'failed'
      THEN 'failure' ELSE 'success' END;
    detail_text := '{"actorEmail":' || to_json(event."actorEmail")::text
      || ',"detail":' || COALESCE(to_json(event.detail)::text, 'null')
      || ',"from":' || COALESCE(to_json(event."fromState"::text)::text, 'null')
      || ',"migratedFrom":"PromotionEvent"'
      || ',"to":' || to_json(event."toState"::text)::text
      || '}';
    canonical := '{"action":' || to_json(action_name)::text
      || ',"actorId":null'
      || ',"actorKind":' || to_json(actor_kind)::text
      || ',"actorName":' || to_json(event."actorName")::text
      || ',"application":' || to_json(event.application)::text
      || ',"at":' || to_json(at_text)::text
      || ',"cluster":null'
      || ',"detail":' || detail_text
      || ',"environment":' || to_json(event.environment)::text
      || ',"outcome":' || to_json(outcome_name)::text
      || ',"previousHash":' || to_json(last_hash)::text
      || ',"promotionId":' || to_json(event."promotionId"::text)::text
      || ',"requestId":null'
      || ',"sequence":' || to_json(last_sequence::text)::text
      || ',"sourceAddress":null'
      || ',"targetId":' || to_json(event."promotionId"::text)::text
      || ',"targetType":"promotion"'
      || ',"team":' || to_json(event.team)::text
      || '}';
    next_hash := encode(sha256(convert_to(canonical, 'UTF8')), 'hex');
    INSERT INTO "AuditEvent" (
      sequence, at, "actorKind", "actorId", "actorName", action, "targetType", "targetId",
      application, team, environment, "promotionId", cluster, outcome, "requestId",
      "sourceAddress", detail, "previousHash", hash
    ) VALUES (
      last_sequence, event.at AT TIME ZONE 'UTC', actor_kind, NULL, event."actorName", action_name,
      'promotion', event."promotionId"::text, event.application, event.team, event.environment,
      event."promotionId", NULL, outcome_name, NULL, NULL, detail_text::jsonb, last_hash, next_hash
    );
    last_hash := next_hash;
  END LOOP;
END;
$$;

-- DropForeignKey
ALTER TABLE "PromotionEvent" DROP CONSTRAINT "PromotionEvent_promotionId_fkey";

-- DropTable
DROP TABLE "PromotionEvent";
