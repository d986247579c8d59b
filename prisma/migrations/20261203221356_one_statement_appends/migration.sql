-- Two appends that each took a transaction of their own round trips (an
-- advisory lock, a read of the last row, an insert) now take one statement.
-- A VOLATILE function reads with a fresh snapshot for each query it runs, so
-- a read after the lock sees every row committed by the lock's previous
-- holder: a single plain statement could not (its snapshot predates the lock).

-- The audit chain (lib/audit/record-audit-event.ts). Node builds the event's
-- canonical JSON (lib/audit/canonical.ts) around its two chain fields, the
-- previous event's hash and the sequence, which only this function knows:
-- it fills them in and hashes the very text Node's auditEventHash would, so
-- the verifier recomputes the stored hash unchanged.
CREATE FUNCTION gantry_append_audit_event(
  event_at TIMESTAMPTZ,
  event_actor_kind TEXT,
  event_actor_id TEXT,
  event_actor_name TEXT,
  event_action TEXT,
  event_target_type TEXT,
  event_target_id TEXT,
  event_application TEXT,
  event_team TEXT,
  event_environment TEXT,
  event_promotion_id UUID,
  event_cluster TEXT,
  event_outcome TEXT,
  event_request_id TEXT,
  event_source_address TEXT,
  event_detail JSONB,
  -- The canonical text: before the previous hash, between it and the sequence, after the sequence.
  canonical_before_previous_hash TEXT,
  canonical_before_sequence TEXT,
  canonical_after_sequence TEXT,
  OUT sequence BIGINT,
  OUT hash TEXT
)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  previous_hash TEXT;
BEGIN
  -- Serialises writers of the chain ("gant"), held until the transaction ends.
  PERFORM pg_advisory_xact_lock(1734962804);
  SELECT e.sequence + 1, e.hash INTO sequence, previous_hash
    FROM "AuditEvent" e ORDER BY e.sequence DESC LIMIT 1;
  sequence := coalesce(sequence, 1);
  previous_hash := coalesce(previous_hash, repeat('0', 64));
  hash := encode(sha256(convert_to(
    canonical_before_previous_hash || previous_hash || canonical_before_sequence
      || sequence::text || canonical_after_sequence,
    'UTF8')), 'hex');
  INSERT INTO "AuditEvent" (sequence, at, "actorKind", "actorId", "actorName", action,
    "targetType", "targetId", application, team, environment, "promotionId", cluster,
    outcome, "requestId", "sourceAddress", detail, "previousHash", hash)
  VALUES (sequence, event_at, event_actor_kind, event_actor_id, event_actor_name, event_action,
    event_target_type, event_target_id, event_application, event_team, event_environment,
    event_promotion_id, event_cluster, event_outcome, event_request_id, event_source_address,
    event_detail, previous_hash, hash);
END;
$$;

-- A local pull request (lib/git/local/pull-requests.ts): numbers are max + 1
-- per repository, under the repository's lock, and a head and base have at
-- most one open pull request. Returns the new row, or none when one is open.
CREATE FUNCTION gantry_open_local_pull_request(
  pr_repository TEXT,
  pr_head TEXT,
  pr_base TEXT,
  pr_head_sha TEXT,
  pr_title TEXT,
  pr_body TEXT,
  pr_labels TEXT[],
  pr_author_name TEXT,
  pr_author_email TEXT,
  pr_author_login TEXT
)
RETURNS SETOF "LocalPullRequest"
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('gantry:local-pr:' || pr_repository));
  RETURN QUERY
  INSERT INTO "LocalPullRequest" (repository, number, head, base, "headSha", title, body,
    labels, "authorName", "authorEmail", "authorLogin", "updatedAt")
  SELECT pr_repository, coalesce(max(existing.number), 0) + 1, pr_head, pr_base, pr_head_sha,
    pr_title, pr_body, pr_labels, pr_author_name, pr_author_email, pr_author_login, now()
  FROM "LocalPullRequest" existing WHERE existing.repository = pr_repository
  HAVING NOT EXISTS (
    SELECT 1 FROM "LocalPullRequest" already
    WHERE already.repository = pr_repository AND already.head = pr_head AND already.base = pr_base
      AND already.state = 'open'
  )
  RETURNING *;
END;
$$;
