-- The core schema: every table of the runbook and of the shared entry points, its key column
-- types and NOT NULLs, keys and indexes, and the CHECK constraints that refuse bad rows.
BEGIN;
SELECT plan(145);

-- Tables -------------------------------------------------------------------------------------
SELECT has_schema('private', 'schema private exists');
SELECT has_table('public', t, 'table public.' || t || ' exists')
FROM unnest(ARRAY['system_config', 'work_orders', 'outcome_vectors', 'cost_tracking', 'contracts',
                  'escalation_policies', 'escalations', 'alerts', 'audit_log', 'orchestrator_state']) AS t;

-- Key column types (money numeric, times timestamptz, metadata jsonb) --------------------------
SELECT col_type_is('public', 'work_orders', 'id', 'uuid', 'work_orders.id is uuid');
SELECT col_type_is('public', 'work_orders', 'status', 'text', 'work_orders.status is text');
SELECT col_type_is('public', 'work_orders', 'refinement_attempts', 'integer', 'work_orders.refinement_attempts is integer');
SELECT col_type_is('public', 'work_orders', 'metadata', 'jsonb', 'work_orders.metadata is jsonb');
SELECT col_type_is('public', 'work_orders', 'created_at', 'timestamp with time zone', 'work_orders.created_at is timestamptz');
SELECT col_type_is('public', 'work_orders', 'updated_at', 'timestamp with time zone', 'work_orders.updated_at is timestamptz');
SELECT col_type_is('public', 'outcome_vectors', 'work_order_id', 'uuid', 'outcome_vectors.work_order_id is uuid');
SELECT col_type_is('public', 'outcome_vectors', 'cost', 'numeric(14,6)', 'outcome_vectors.cost is numeric');
SELECT col_type_is('public', 'outcome_vectors', 'success', 'boolean', 'outcome_vectors.success is boolean');
SELECT col_type_is('public', 'outcome_vectors', 'model_used', 'text', 'outcome_vectors.model_used is text');
SELECT col_type_is('public', 'outcome_vectors', 'metadata', 'jsonb', 'outcome_vectors.metadata is jsonb');
SELECT col_type_is('public', 'outcome_vectors', 'created_at', 'timestamp with time zone', 'outcome_vectors.created_at is timestamptz');
SELECT col_type_is('public', 'cost_tracking', 'cost', 'numeric(14,6)', 'cost_tracking.cost is numeric');
SELECT col_type_is('public', 'cost_tracking', 'service_name', 'text', 'cost_tracking.service_name is text');
SELECT col_type_is('public', 'cost_tracking', 'created_at', 'timestamp with time zone', 'cost_tracking.created_at is timestamptz');
SELECT col_type_is('public', 'escalations', 'work_order_id', 'uuid', 'escalations.work_order_id is uuid');
SELECT col_type_is('public', 'escalations', 'trigger_type', 'text', 'escalations.trigger_type is text');
SELECT col_type_is('public', 'escalations', 'context', 'jsonb', 'escalations.context is jsonb');
SELECT col_type_is('public', 'escalations', 'sla_due_at', 'timestamp with time zone', 'escalations.sla_due_at is timestamptz');
SELECT col_type_is('public', 'escalation_policies', 'sla', 'interval', 'escalation_policies.sla is interval');
SELECT col_type_is('public', 'contracts', 'id', 'uuid', 'contracts.id is uuid');
SELECT col_type_is('public', 'contracts', 'specification', 'jsonb', 'contracts.specification is jsonb');
SELECT col_type_is('public', 'system_config', 'value', 'jsonb', 'system_config.value is jsonb');
SELECT col_type_is('public', 'alerts', 'occurrences', 'integer', 'alerts.occurrences is integer');
SELECT col_type_is('public', 'alerts', 'context', 'jsonb', 'alerts.context is jsonb');
SELECT col_type_is('public', 'audit_log', 'details', 'jsonb', 'audit_log.details is jsonb');

-- NOT NULLs ------------------------------------------------------------------------------------
SELECT col_not_null('public', tbl, col, tbl || '.' || col || ' is NOT NULL')
FROM (VALUES ('work_orders', 'title'), ('work_orders', 'status'), ('work_orders', 'metadata'),
             ('work_orders', 'updated_at'), ('outcome_vectors', 'work_order_id'), ('outcome_vectors', 'cost'),
             ('outcome_vectors', 'success'), ('outcome_vectors', 'created_at'), ('cost_tracking', 'cost'),
             ('cost_tracking', 'service_name'), ('cost_tracking', 'created_at'), ('escalations', 'trigger_type'),
             ('escalations', 'status'), ('escalations', 'priority'), ('escalations', 'sla_due_at'),
             ('escalations', 'context'), ('system_config', 'value'), ('system_config', 'value_type'),
             ('alerts', 'dedupe_key'), ('audit_log', 'actor')) AS c (tbl, col);
SELECT col_is_null('public', 'escalations', 'work_order_id', 'escalations.work_order_id may be NULL (system-wide escalations)');
SELECT col_is_null('public', 'cost_tracking', 'work_order_id', 'cost_tracking.work_order_id may be NULL');

-- Keys and foreign keys ------------------------------------------------------------------------
SELECT col_is_pk('public', 'work_orders', 'id', 'work_orders.id is the primary key');
SELECT col_is_pk('public', 'system_config', 'key', 'system_config.key is the primary key');
SELECT col_is_pk('public', 'escalation_policies', 'trigger_type', 'escalation_policies.trigger_type is the primary key');
SELECT fk_ok('public', 'outcome_vectors', 'work_order_id', 'public', 'work_orders', 'id', 'outcome_vectors -> work_orders');
SELECT fk_ok('public', 'cost_tracking', 'work_order_id', 'public', 'work_orders', 'id', 'cost_tracking -> work_orders');
SELECT fk_ok('public', 'escalations', 'work_order_id', 'public', 'work_orders', 'id', 'escalations -> work_orders');
SELECT fk_ok('public', 'escalations', 'trigger_type', 'public', 'escalation_policies', 'trigger_type', 'escalations -> escalation_policies');

-- Indexes the runbook's queries need -------------------------------------------------------------
SELECT has_index('public', 'work_orders', 'work_orders_status_idx', ARRAY['status', 'created_at'], 'work orders by status and age');
-- The stuck query's index by what it is, not its name (the workflow issue replaces the
-- original work_orders_active_updated_idx with a (status, updated_at) one): a partial index
-- over pending and in-progress work orders that includes updated_at.
SELECT ok(EXISTS (SELECT 1 FROM pg_catalog.pg_indexes AS i
                  WHERE i.schemaname = 'public' AND i.tablename = 'work_orders'
                    AND i.indexdef ~ '\(.*updated_at.*\) WHERE' AND i.indexdef ~ 'pending' AND i.indexdef ~ 'in_progress'),
          'stuck query: a partial index over active work orders covers updated_at');
SELECT has_index('public', 'outcome_vectors', 'outcome_vectors_created_idx', ARRAY['created_at'], 'outcome vectors by time');
SELECT has_index('public', 'outcome_vectors', 'outcome_vectors_work_order_idx', ARRAY['work_order_id', 'created_at'], 'outcome vectors by work order');
SELECT has_index('public', 'cost_tracking', 'cost_tracking_created_idx', ARRAY['created_at'], 'cost rows by time');
SELECT has_index('public', 'cost_tracking', 'cost_tracking_work_order_idx', ARRAY['work_order_id'], 'cost rows by work order');
SELECT has_index('public', 'escalations', 'escalations_open_sla_idx', ARRAY['sla_due_at'], 'open escalations by SLA deadline');
SELECT has_index('public', 'alerts', 'alerts_dedupe_idx', ARRAY['dedupe_key', 'created_at'], 'alerts by dedupe key');
SELECT index_is_unique('public', 'escalations', 'escalations_one_open_idx', 'one open escalation per work order and type');

-- Fixtures for the row tests ---------------------------------------------------------------------
INSERT INTO public.work_orders (id, title) VALUES ('00000000-0000-0000-0000-0000000000a1', 'schema test');

-- Rows each table accepts ('ok') or refuses (with that SQLSTATE and message): one assertion per row, in this
-- order. An accepted row stays, so the duplicate checks after it meet it.
SELECT CASE c.expect WHEN 'ok' THEN lives_ok(s.statement, c.tbl || ': ' || c.description)
                     ELSE throws_ok(s.statement, c.expect, c.message, c.tbl || ': ' || c.description) END
FROM (VALUES
    ('work_orders', 'title, status, metadata', $$'ok', 'in_progress', '{"k": 1}'$$, 'ok', 'a valid row is accepted', NULL),
    ('work_orders', 'title, status', $$'x', 'stuck'$$, '23514', 'unknown status refused',
     'new row for relation "work_orders" violates check constraint "work_orders_status_check"'),
    ('work_orders', 'title, status', $$'x', NULL$$, '23502', 'NULL status refused',
     'null value in column "status" of relation "work_orders" violates not-null constraint'),
    ('work_orders', 'title', $$''$$, '23514', 'empty title refused',
     'new row for relation "work_orders" violates check constraint "work_orders_title_check"'),
    ('work_orders', 'title', $$repeat('t', 501)$$, '23514', 'huge title refused',
     'new row for relation "work_orders" violates check constraint "work_orders_title_check"'),
    ('work_orders', 'title', 'NULL', '23502', 'NULL title refused',
     'null value in column "title" of relation "work_orders" violates not-null constraint'),
    ('work_orders', 'title, priority', $$'x', 'urgent'$$, '23514', 'unknown priority refused',
     'new row for relation "work_orders" violates check constraint "work_orders_priority_check"'),
    ('work_orders', 'title, refinement_attempts', $$'x', -1$$, '23514', 'negative refinement_attempts refused',
     'new row for relation "work_orders" violates check constraint "work_orders_refinement_attempts_check"'),
    ('work_orders', 'title, complexity_score', $$'x', 1.5$$, '23514', 'complexity_score above 1 refused',
     'new row for relation "work_orders" violates check constraint "work_orders_complexity_score_check"'),
    ('work_orders', 'title, complexity_score', $$'x', 'NaN'$$, '23514', 'NaN complexity_score refused',
     'new row for relation "work_orders" violates check constraint "work_orders_complexity_score_check"'),
    ('work_orders', 'title, metadata', $$'x', '[1, 2]'$$, '23514', 'array metadata refused',
     'new row for relation "work_orders" violates check constraint "work_orders_metadata_check"'),
    ('work_orders', 'title, metadata', $$'x', '"text"'$$, '23514', 'string metadata refused',
     'new row for relation "work_orders" violates check constraint "work_orders_metadata_check"'),
    ('work_orders', 'title, metadata', $$'x', 'null'$$, '23514', 'JSON null metadata refused',
     'new row for relation "work_orders" violates check constraint "work_orders_metadata_check"'),
    ('work_orders', 'title, metadata', $$'x', NULL$$, '23502', 'SQL NULL metadata refused',
     'null value in column "metadata" of relation "work_orders" violates not-null constraint'),
    ('outcome_vectors', 'work_order_id, model_used, cost, success',
     $$'00000000-0000-0000-0000-0000000000a1', 'gpt-4o-mini', 0.012345, true$$, 'ok', 'a valid row is accepted', NULL),
    ('outcome_vectors', 'work_order_id, model_used, cost, success',
     $$'00000000-0000-0000-0000-0000000000a1', 'm', -0.01, true$$, '23514', 'negative cost refused',
     'new row for relation "outcome_vectors" violates check constraint "outcome_vectors_cost_check"'),
    ('outcome_vectors', 'work_order_id, model_used, cost, success',
     $$'00000000-0000-0000-0000-0000000000a1', 'm', 'NaN', true$$, '23514', 'NaN cost refused',
     'new row for relation "outcome_vectors" violates check constraint "outcome_vectors_cost_check"'),
    ('outcome_vectors', 'work_order_id, model_used, cost, success',
     $$'00000000-0000-0000-0000-0000000000a1', 'm', 'Infinity', true$$, '22003', 'Infinity cost refused',
     'numeric field overflow'),
    ('outcome_vectors', 'work_order_id, model_used, cost, success',
     $$'00000000-0000-0000-0000-0000000000a1', 'm', 1e12, true$$, '22003', 'huge cost refused', 'numeric field overflow'),
    ('outcome_vectors', 'work_order_id, model_used, cost, success',
     $$'00000000-0000-0000-0000-0000000000a1', 'm', NULL, true$$, '23502', 'NULL cost refused',
     'null value in column "cost" of relation "outcome_vectors" violates not-null constraint'),
    ('outcome_vectors', 'work_order_id, model_used, cost, success',
     $$'00000000-0000-0000-0000-0000000000a1', 'm', 1, NULL$$, '23502', 'NULL success refused',
     'null value in column "success" of relation "outcome_vectors" violates not-null constraint'),
    ('outcome_vectors', 'work_order_id, model_used, cost, success',
     $$'00000000-0000-0000-0000-0000000000a1', '', 1, true$$, '23514', 'empty model_used refused',
     'new row for relation "outcome_vectors" violates check constraint "outcome_vectors_model_used_check"'),
    ('outcome_vectors', 'work_order_id, model_used, cost, success, execution_time_ms',
     $$'00000000-0000-0000-0000-0000000000a1', 'm', 1, true, -5$$, '23514', 'negative execution time refused',
     'new row for relation "outcome_vectors" violates check constraint "outcome_vectors_execution_time_ms_check"'),
    ('outcome_vectors', 'work_order_id, model_used, cost, success, metadata',
     $$'00000000-0000-0000-0000-0000000000a1', 'm', 1, true, '[]'$$, '23514', 'non-object metadata refused',
     'new row for relation "outcome_vectors" violates check constraint "outcome_vectors_metadata_check"'),
    ('outcome_vectors', 'work_order_id, model_used, cost, success',
     $$'00000000-0000-0000-0000-0000000000ff', 'm', 1, true$$, '23503', 'unknown work order refused',
     'insert or update on table "outcome_vectors" violates foreign key constraint "outcome_vectors_work_order_id_fkey"'),
    ('outcome_vectors', 'work_order_id, model_used, cost, success', $$NULL, 'm', 1, true$$, '23502', 'NULL work order refused',
     'null value in column "work_order_id" of relation "outcome_vectors" violates not-null constraint'),
    ('cost_tracking', 'service_name, cost', $$'openai', 0.5$$, 'ok', 'a valid row is accepted', NULL),
    ('cost_tracking', 'service_name, cost', $$'openai', -1$$, '23514', 'negative cost refused',
     'new row for relation "cost_tracking" violates check constraint "cost_tracking_cost_check"'),
    ('cost_tracking', 'service_name, cost', $$'openai', 'NaN'$$, '23514', 'NaN cost refused',
     'new row for relation "cost_tracking" violates check constraint "cost_tracking_cost_check"'),
    ('cost_tracking', 'service_name, cost', $$'openai', '-Infinity'$$, '22003', '-Infinity cost refused',
     'numeric field overflow'),
    ('cost_tracking', 'service_name, cost', $$'openai', NULL$$, '23502', 'NULL cost refused',
     'null value in column "spent" of relation "budget_stripes" violates not-null constraint'),
    ('cost_tracking', 'service_name, cost', $$'', 1$$, '23514', 'empty service name refused',
     'new row for relation "cost_tracking" violates check constraint "cost_tracking_service_name_check"'),
    ('cost_tracking', 'service_name, cost, metadata', $$'s', 1, '1'$$, '23514', 'non-object metadata refused',
     'new row for relation "cost_tracking" violates check constraint "cost_tracking_metadata_check"'),
    ('cost_tracking', 'service_name, cost, work_order_id', $$'s', 1, '00000000-0000-0000-0000-0000000000ff'$$, '23503',
     'unknown work order refused',
     'insert or update on table "cost_tracking" violates foreign key constraint "cost_tracking_work_order_id_fkey"'),
    ('contracts', 'name, version', $$'billing-api', '2.0.0'$$, 'ok', 'a valid row is accepted', NULL),
    ('contracts', 'name, version', $$'billing-api', '2.0.0'$$, '23505', 'duplicate name and version refused',
     'duplicate key value violates unique constraint "contracts_name_version_key"'),
    ('contracts', 'name, contract_type', $$'c', 'grpc'$$, '23514', 'unknown contract type refused',
     'new row for relation "contracts" violates check constraint "contracts_contract_type_check"'),
    ('contracts', 'name, status', $$'c', 'retired'$$, '23514', 'unknown status refused',
     'new row for relation "contracts" violates check constraint "contracts_status_check"'),
    ('contracts', 'name, specification', $$'c', '[]'$$, '23514', 'non-object specification refused',
     'new row for relation "contracts" violates check constraint "contracts_specification_check"'),
    ('escalation_policies', 'trigger_type, priority, sla, description', $$'new_type', 'urgent', '1 hour', 'd'$$, '23514',
     'unknown priority refused',
     'new row for relation "escalation_policies" violates check constraint "escalation_policies_priority_check"'),
    ('escalation_policies', 'trigger_type, priority, sla, description', $$'new_type', 'high', '0 seconds', 'd'$$, '23514',
     'zero SLA refused', 'new row for relation "escalation_policies" violates check constraint "escalation_policies_sla_check"'),
    ('escalation_policies', 'trigger_type, priority, sla, description', $$'Bad Type', 'high', '1 hour', 'd'$$, '23514',
     'trigger type that is not a lowercase name refused',
     'new row for relation "escalation_policies" violates check constraint "escalation_policies_trigger_type_check"'),
    ('escalations', 'work_order_id, trigger_type, priority, sla_due_at',
     $$'00000000-0000-0000-0000-0000000000a1', 'test_failures', 'medium', now() + interval '4 hours'$$, 'ok',
     'a valid row is accepted', NULL),
    ('escalations', 'work_order_id, trigger_type, priority, sla_due_at',
     $$'00000000-0000-0000-0000-0000000000a1', 'test_failures', 'medium', now()$$, '23505',
     'a second open escalation of the same work order and type refused',
     'duplicate key value violates unique constraint "escalations_one_open_idx"'),
    ('escalations', 'work_order_id, trigger_type, status, priority, sla_due_at',
     $$'00000000-0000-0000-0000-0000000000a1', 'test_failures', 'resolved', 'medium', now()$$, 'ok',
     'a resolved one beside the open one is fine', NULL),
    ('escalations', 'trigger_type, priority, sla_due_at', $$'no_such_type', 'high', now()$$, '23503', 'unknown trigger type refused',
     'insert or update on table "escalations" violates foreign key constraint "escalations_trigger_type_fkey"'),
    ('escalations', 'trigger_type, status', $$'aider_failure', 'open'$$, '23514', 'unknown status refused',
     'new row for relation "escalations" violates check constraint "escalations_status_check"'),
    ('escalations', 'trigger_type, priority, sla_due_at', $$'aider_failure', 'urgent', now()$$, '23514', 'unknown priority refused',
     'new row for relation "escalations" violates check constraint "escalations_priority_check"'),
    ('escalations', 'trigger_type, context', $$'aider_failure', '[]'$$, '23514', 'non-object context refused',
     'new row for relation "escalations" violates check constraint "escalations_context_check"'),
    ('escalations', 'work_order_id, trigger_type', $$'00000000-0000-0000-0000-0000000000ff', 'aider_failure'$$, '23503',
     'unknown work order refused',
     'insert or update on table "escalations" violates foreign key constraint "escalations_work_order_id_fkey"'),
    ('escalations', 'trigger_type, resolution', $$'aider_failure', '"done"'$$, '23514', 'non-object resolution refused',
     'new row for relation "escalations" violates check constraint "escalations_resolution_check"'),
    ('alerts', 'severity, kind, title, dedupe_key', $$'fatal', 'k', 't', 'd'$$, '23514', 'unknown severity refused',
     'new row for relation "alerts" violates check constraint "alerts_severity_check"'),
    ('alerts', 'severity, kind, title, dedupe_key', $$'info', 'Bad Kind', 't', 'd'$$, '23514',
     'kind that is not a dotted lowercase name refused',
     'new row for relation "alerts" violates check constraint "alerts_kind_check"'),
    ('alerts', 'severity, kind, title, dedupe_key', $$'info', 'k', '', 'd'$$, '23514', 'empty title refused',
     'new row for relation "alerts" violates check constraint "alerts_title_check"'),
    ('alerts', 'severity, kind, title, dedupe_key', $$'info', 'k', 't', ''$$, '23514', 'empty dedupe key refused',
     'new row for relation "alerts" violates check constraint "alerts_dedupe_key_check"'),
    ('alerts', 'severity, kind, title, dedupe_key, occurrences', $$'info', 'k', 't', 'd', 0$$, '23514', 'zero occurrences refused',
     'new row for relation "alerts" violates check constraint "alerts_occurrences_check"'),
    ('alerts', 'severity, kind, title, dedupe_key, context', $$'info', 'k', 't', 'd', '[]'$$, '23514', 'non-object context refused',
     'new row for relation "alerts" violates check constraint "alerts_context_check"'),
    ('system_config', 'key, value, value_type, description', $$'Bad-Key', '1', 'numeric', 'd'$$, '23514',
     'key that is not a lowercase name refused',
     'new row for relation "system_config" violates check constraint "system_config_key_check"'),
    ('system_config', 'key, value, value_type, description', $$'new_key', '1', 'float', 'd'$$, '22023',
     'unknown value_type refused with 22023 (not "case not found")', 'config "new_key" has unknown value_type ''float'''),
    ('system_config', 'key, value, value_type, description', $$'new_key', NULL, 'numeric', 'd'$$, '23502', 'NULL value refused',
     'null value in column "value" of relation "system_config" violates not-null constraint'),
    ('orchestrator_state', 'id', 'false', '23514', 'a second row refused',
     'new row for relation "orchestrator_state" violates check constraint "orchestrator_state_id_check"')
) AS c (tbl, columns, row_values, expect, description, message),
LATERAL format('INSERT INTO public.%I (%s) VALUES (%s)', c.tbl, c.columns, c.row_values) AS s (statement);

-- Statements the table above cannot hold: two rows at once, an UPDATE, and any error where a later
-- check answers before the CHECK constraint.
SELECT throws_ok($$INSERT INTO public.escalations (work_order_id, trigger_type, priority, sla_due_at)
                   VALUES (NULL, 'budget_critical', 'high', now()), (NULL, 'budget_critical', 'high', now())$$, '23505',
                 'duplicate key value violates unique constraint "escalations_one_open_idx"',
                 'escalations: two open system-wide escalations of one type refused (NULLS NOT DISTINCT)');
SELECT throws_ok($$UPDATE public.orchestrator_state SET status = 'paused'$$, '23514',
                 'new row for relation "orchestrator_state" violates check constraint "orchestrator_state_status_check"',
                 'orchestrator_state: unknown status refused');
SELECT throws_ok($$UPDATE public.orchestrator_state SET interval_ms = 0$$, '23514',
                 'new row for relation "orchestrator_state" violates check constraint "orchestrator_state_interval_ms_check"',
                 'orchestrator_state: a zero poll interval refused');
-- The work-order state machine's trigger refuses the transition before the CHECK is reached.
SELECT throws_ok($$UPDATE public.work_orders SET status = 'done' WHERE id = '00000000-0000-0000-0000-0000000000a1'$$,
                 '55000', 'illegal work order transition pending -> done (work order 00000000-0000-0000-0000-0000000000a1)',
                 'work_orders: an UPDATE to an unknown status is refused too');
-- The policy validation trigger reads the options as an array before the CHECK is reached.
SELECT throws_ok($$INSERT INTO public.escalation_policies (trigger_type, priority, sla, description, resolution_options)
                   VALUES ('new_type', 'high', '1 hour', 'd', '{}')$$, '22023', 'cannot extract elements from an object',
                 'escalation_policies: resolution options that are not an array refused');
SELECT is((SELECT count(*)::int FROM public.orchestrator_state), 1, 'orchestrator_state holds exactly one row');

-- Foreign key actions: deleting a work order keeps spend and escalations, drops its attempts ----------------
INSERT INTO public.cost_tracking (service_name, cost, work_order_id) VALUES ('fk-test', 1, '00000000-0000-0000-0000-0000000000a1');
DELETE FROM public.work_orders WHERE id = '00000000-0000-0000-0000-0000000000a1';
SELECT is((SELECT count(*)::int FROM public.outcome_vectors WHERE work_order_id = '00000000-0000-0000-0000-0000000000a1'), 0,
          'deleting a work order deletes its outcome vectors');
SELECT is((SELECT work_order_id FROM public.cost_tracking WHERE service_name = 'fk-test'), NULL::uuid,
          'deleting a work order keeps its cost rows, unlinked');
SELECT is((SELECT count(*)::int FROM public.escalations WHERE trigger_type = 'test_failures' AND work_order_id IS NULL), 2,
          'deleting a work order keeps its escalations, unlinked');

SELECT * FROM finish();
ROLLBACK;
