"""The runbook's SQL, copied as written (test_runbook_queries runs every statement, test_workflow
the investigation queries), and the corrected statements docs/RUNBOOK-SQL-NOTES.md gives."""

from __future__ import annotations

# -- the runbook's SQL, verbatim -------------------------------------------------------------------

Q_1_3_TOP_COST = """
SELECT work_order_id, SUM(cost) as total_cost
FROM outcome_vectors
WHERE created_at >= CURRENT_DATE
GROUP BY work_order_id
ORDER BY total_cost DESC
LIMIT 10;
"""

Q_1_4_STUCK = """
SELECT id, title, status, created_at, updated_at,
       EXTRACT(EPOCH FROM (NOW() - updated_at))/3600 as hours_stuck
FROM work_orders
WHERE status IN ('pending', 'in_progress')
  AND updated_at < NOW() - INTERVAL '24 hours'
ORDER BY hours_stuck DESC;
"""

Q_1_4_ERROR_PATTERNS = """
SELECT metadata->'error_message' as error, COUNT(*)
FROM outcome_vectors
WHERE success = false
  AND created_at >= CURRENT_DATE
GROUP BY metadata->'error_message'
ORDER BY COUNT(*) DESC;
"""

Q_2_2_STUCK_TRIGGER = """
CREATE OR REPLACE FUNCTION notify_stuck_work_orders()
RETURNS trigger AS $$
BEGIN
  -- Send email when work order stuck >24h
  PERFORM net.http_post(
    url := 'https://api.sendgrid.com/v3/mail/send',
    headers := '{"Authorization": "Bearer YOUR_SENDGRID_KEY"}'::jsonb,
    body := jsonb_build_object(
      'personalizations', jsonb_build_array(
        jsonb_build_object('to', jsonb_build_array(
          jsonb_build_object('email', 'team@example.com')
        ))
      ),
      'from', jsonb_build_object('email', 'alerts@moose.ai'),
      'subject', 'Alert: Work Order Stuck >24h',
      'content', jsonb_build_array(
        jsonb_build_object('type', 'text/plain', 'value',
          'Work Order ' || NEW.id || ' has been stuck for >24 hours')
      )
    )
  );
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Trigger on work order updates
CREATE TRIGGER stuck_work_order_alert
AFTER UPDATE ON work_orders
FOR EACH ROW
WHEN (NEW.updated_at < NOW() - INTERVAL '24 hours')
EXECUTE FUNCTION notify_stuck_work_orders();
"""

Q_3_1_REFINEMENT_HISTORY = """
SELECT metadata->'refinement_metadata' as refinement_history
FROM outcome_vectors
WHERE work_order_id = '[work-order-id]'
ORDER BY created_at DESC;
"""

Q_3_1_ERROR_DETAILS = """
SELECT metadata->'error_details' as errors
FROM outcome_vectors
WHERE work_order_id = '[work-order-id]'
  AND success = false;
"""

Q_3_1_TOP_CONTRIBUTORS = """
SELECT
  work_order_id,
  model_used,
  SUM(cost) as total_cost,
  COUNT(*) as attempts
FROM outcome_vectors
WHERE created_at >= CURRENT_DATE
GROUP BY work_order_id, model_used
ORDER BY total_cost DESC
LIMIT 10;
"""

Q_3_1_CONTRACT = "SELECT * FROM contracts WHERE id = '[contract-id]';"

Q_3_1_CONTRACT_VALIDATION = """
SELECT metadata->'contract_validation' as validation_errors
FROM outcome_vectors
WHERE work_order_id = '[work-order-id]';
"""

Q_3_1_AIDER = """
SELECT metadata->'aider_output' as aider_logs
FROM work_orders
WHERE id = '[work-order-id]';
"""

Q_4_1_EXPLAIN = "EXPLAIN ANALYZE SELECT * FROM work_orders WHERE status = 'pending';"

Q_4_1_TABLE_SIZES = """
SELECT
  schemaname,
  tablename,
  pg_size_pretty(pg_total_relation_size(schemaname||'.'||tablename)) AS size
FROM pg_tables
WHERE schemaname = 'public'
ORDER BY pg_total_relation_size(schemaname||'.'||tablename) DESC;
"""

Q_4_2_DAILY = """
SELECT
  DATE(created_at) as date,
  service_name,
  SUM(cost) as daily_total,
  COUNT(*) as request_count
FROM cost_tracking
WHERE created_at >= CURRENT_DATE - INTERVAL '7 days'
GROUP BY DATE(created_at), service_name
ORDER BY date DESC, daily_total DESC;
"""

Q_4_2_DUPLICATES = """
SELECT cost, service_name, COUNT(*)
FROM cost_tracking
WHERE created_at >= CURRENT_DATE
GROUP BY cost, service_name
HAVING COUNT(*) > 10;
"""

Q_4_2_DELETE_DUPLICATES = """
DELETE FROM cost_tracking
WHERE id IN (
  SELECT id FROM (
    SELECT id, ROW_NUMBER() OVER (PARTITION BY cost, service_name, created_at ORDER BY id) as rn
    FROM cost_tracking
    WHERE created_at >= CURRENT_DATE
  ) t
  WHERE rn > 1
);
"""

Q_4_3_ORCHESTRATOR = "SELECT * FROM work_orders WHERE metadata->>'orchestrator_status' IS NOT NULL;"

Q_4_3_LAST_POLL = """
SELECT MAX(updated_at) as last_poll
FROM work_orders
WHERE metadata->>'last_polled_at' IS NOT NULL;
"""

Q_4_4_PENDING_ESCALATIONS = """
SELECT id, work_order_id, trigger_type, status, created_at
FROM escalations
WHERE status = 'pending'
ORDER BY created_at DESC;
"""

Q_5_1_STOP_LLM = "UPDATE system_config SET value = '0' WHERE key = 'daily_budget_limit';"

Q_5_1_PAUSE = """
UPDATE work_orders
SET status = 'paused',
    metadata = metadata || '{"emergency_pause": true, "paused_at": "' || NOW() || '"}'
WHERE status IN ('pending', 'approved');
"""

Q_5_1_ESCALATE = """
INSERT INTO escalations (work_order_id, trigger_type, context, status)
VALUES (NULL, 'budget_critical',
  '{"daily_total": ' || (SELECT SUM(cost) FROM cost_tracking WHERE created_at >= CURRENT_DATE) || ', "limit": 100}',
  'pending');
"""

Q_5_1_COST_SPIKE = """
SELECT
  work_order_id,
  model_used,
  SUM(cost) as total_cost,
  COUNT(*) as attempts,
  MAX(created_at) as last_attempt
FROM outcome_vectors
WHERE created_at >= CURRENT_DATE
GROUP BY work_order_id, model_used
ORDER BY total_cost DESC;
"""

Q_5_1_RETRY_STORMS = """
SELECT
  work_order_id,
  COUNT(*) as retry_count,
  ARRAY_AGG(created_at ORDER BY created_at) as attempt_times
FROM outcome_vectors
WHERE created_at >= CURRENT_DATE
GROUP BY work_order_id
HAVING COUNT(*) > 10
ORDER BY retry_count DESC;
"""

Q_6_2_RETENTION = """
DELETE FROM outcome_vectors
WHERE created_at < NOW() - INTERVAL '90 days';
"""

Q_6_2_VACUUM = "VACUUM ANALYZE outcome_vectors;"

# -- the corrected statements docs/RUNBOOK-SQL-NOTES.md gives instead --------------------------------

FIX_5_1_PAUSE = """
UPDATE work_orders
SET status = 'paused',
    metadata = metadata || jsonb_build_object('emergency_pause', true, 'paused_at', now())
WHERE status IN ('pending', 'approved');
"""

FIX_5_1_ESCALATE = """
SELECT create_escalation(NULL, 'budget_critical',
  jsonb_build_object('daily_total', (SELECT coalesce(SUM(cost), 0) FROM cost_tracking WHERE created_at >= CURRENT_DATE),
                     'limit', 100));
"""


def with_id(sql: str, placeholder: str, value: str) -> str:
    """Fill the runbook's '[work-order-id]' style placeholder, as an operator does."""
    assert placeholder in sql
    return sql.replace(placeholder, value)
