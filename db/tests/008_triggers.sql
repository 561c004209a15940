-- The platform's shared triggers: private.touch_updated_at keeps updated_at current on
-- work_orders, escalations, contracts and orchestrator_state (an explicit value in the UPDATE
-- wins); escalations_apply_policy fills priority and SLA so the runbook's hand-written INSERT
-- works; work_orders_close_escalations_on_delete dismisses a deleted work order's open
-- escalations; the config triggers are attached (their rules are in 004_config.sql).
BEGIN;
SELECT plan(35);

SELECT trigger_is('public', c.tbl, c.trigger_name, 'private', c.fn, c.trigger_name || ' runs private.' || c.fn)
FROM (VALUES ('work_orders', 'work_orders_touch_updated_at', 'touch_updated_at'),
             ('escalations', 'escalations_touch_updated_at', 'touch_updated_at'),
             ('contracts', 'contracts_touch_updated_at', 'touch_updated_at'),
             ('orchestrator_state', 'orchestrator_state_touch_updated_at', 'touch_updated_at'),
             ('escalations', 'escalations_apply_policy', 'escalations_apply_policy'),
             ('system_config', 'system_config_validate', 'system_config_validate'),
             ('system_config', 'system_config_audit', 'system_config_audit')) AS c (tbl, trigger_name, fn);

-- updated_at: an explicit value wins, any other UPDATE stamps now() ---------------------------------------
INSERT INTO public.work_orders (id, title) VALUES ('00000000-0000-0000-0000-000000000801', 'trigger test');
INSERT INTO public.contracts (id, name) VALUES ('00000000-0000-0000-0000-000000000802', 'trigger-test-contract');
INSERT INTO public.escalations (id, trigger_type) VALUES ('00000000-0000-0000-0000-000000000803', 'aider_failure');

-- Run UPDATE public.<p_table> SET <p_set> on the row p_id (orchestrator_state's one row: 'true') and
-- return now() - updated_at after it.
CREATE FUNCTION pg_temp.age_after(p_table text, p_id text, p_set text) RETURNS interval LANGUAGE plpgsql AS $f$
DECLARE
    v_age interval;
BEGIN
    EXECUTE format('UPDATE public.%I SET %s WHERE id::text = %L RETURNING now() - updated_at', p_table, p_set, p_id) INTO v_age;
    RETURN v_age;
END
$f$;

-- One UPDATE and one assertion per row, in this order: age 0 is updated_at = now().
SELECT is(pg_temp.age_after(c.tbl, c.id, c.set_clause), c.age, c.description)
FROM (VALUES
    ('work_orders', '00000000-0000-0000-0000-000000000801', $$updated_at = now() - interval '30 hours'$$, interval '30 hours',
     'work_orders: an explicit backdate wins over the trigger'),
    ('work_orders', '00000000-0000-0000-0000-000000000801', $$status = 'in_progress'$$, interval '0',
     'work_orders: any other update stamps updated_at = now()'),
    ('work_orders', '00000000-0000-0000-0000-000000000801', $$updated_at = now() - interval '3 hours', title = 'renamed'$$,
     interval '3 hours', 'work_orders: a backdate together with another change still wins'),
    ('work_orders', '00000000-0000-0000-0000-000000000801', 'title = title', interval '0',
     'work_orders: even a no-op update touches the row'),
    ('contracts', '00000000-0000-0000-0000-000000000802', $$updated_at = now() - interval '2 days'$$, interval '2 days',
     'contracts: an explicit backdate wins'),
    ('contracts', '00000000-0000-0000-0000-000000000802', $$status = 'deprecated'$$, interval '0', 'contracts: an update stamps now()'),
    ('escalations', '00000000-0000-0000-0000-000000000803', $$updated_at = now() - interval '1 hour'$$, interval '1 hour',
     'escalations: an explicit backdate wins'),
    ('escalations', '00000000-0000-0000-0000-000000000803', $$status = 'acknowledged'$$, interval '0',
     'escalations: an update stamps now()'),
    ('orchestrator_state', 'true', $$updated_at = now() - interval '5 minutes'$$, interval '5 minutes',
     'orchestrator_state: an explicit backdate wins'),
    ('orchestrator_state', 'true', 'last_poll_at = now()', interval '0', 'orchestrator_state: an update stamps now()')
) AS c (tbl, id, set_clause, age, description);
SELECT is((SELECT created_at FROM public.work_orders WHERE id = '00000000-0000-0000-0000-000000000801'), now(),
          'work_orders: created_at is left alone');

-- escalations_apply_policy: the runbook's INSERT (section 5.1, with a jsonb context) --------------------------
INSERT INTO public.escalations (work_order_id, trigger_type, context, status)
VALUES (NULL, 'budget_critical', jsonb_build_object('daily_total', 101.5, 'limit', 100), 'pending');
SELECT results_eq(
    $$SELECT priority, sla_due_at - created_at, context FROM public.escalations
      WHERE work_order_id IS NULL AND trigger_type = 'budget_critical'$$,
    $$VALUES ('high', interval '30 minutes', '{"daily_total": 101.5, "limit": 100}'::jsonb)$$,
    'the runbook''s INSERT without priority or SLA gets both from the policy (high, 30 minutes)');
INSERT INTO public.escalations (work_order_id, trigger_type) VALUES ('00000000-0000-0000-0000-000000000801', 'test_failures');
SELECT results_eq(
    $$SELECT priority, sla_due_at - created_at FROM public.escalations
      WHERE work_order_id = '00000000-0000-0000-0000-000000000801' AND trigger_type = 'test_failures'$$,
    $$VALUES ('medium', interval '4 hours')$$, 'test_failures gets medium and 4 hours');
INSERT INTO public.escalations (work_order_id, trigger_type, priority) VALUES ('00000000-0000-0000-0000-000000000801', 'retry_exhausted', 'low');
SELECT results_eq(
    $$SELECT priority, sla_due_at - created_at FROM public.escalations
      WHERE work_order_id = '00000000-0000-0000-0000-000000000801' AND trigger_type = 'retry_exhausted'$$,
    $$VALUES ('low', interval '2 hours')$$, 'an explicit priority is kept; the missing SLA still comes from the policy');
INSERT INTO public.escalations (work_order_id, trigger_type, sla_due_at)
VALUES ('00000000-0000-0000-0000-000000000801', 'contract_violation', now() + interval '10 minutes');
SELECT results_eq(
    $$SELECT priority, sla_due_at - now() FROM public.escalations
      WHERE work_order_id = '00000000-0000-0000-0000-000000000801' AND trigger_type = 'contract_violation'$$,
    $$VALUES ('high', interval '10 minutes')$$, 'an explicit deadline is kept; the missing priority comes from the policy');
INSERT INTO public.escalations (work_order_id, trigger_type, created_at)
VALUES ('00000000-0000-0000-0000-000000000801', 'aider_failure', now() - interval '3 hours');
SELECT is((SELECT sla_due_at FROM public.escalations
           WHERE work_order_id = '00000000-0000-0000-0000-000000000801' AND trigger_type = 'aider_failure'),
          now() - interval '1 hour', 'a backdated escalation''s deadline counts from its created_at (already breached)');
SELECT throws_ok($$INSERT INTO public.escalations (trigger_type, context) VALUES ('budget_explosion', '{}')$$, '23503',
                 'unknown escalation trigger type ''budget_explosion''',
                 'an unknown type in a hand-written INSERT names the type (not the priority column)');
SELECT throws_ok($$INSERT INTO public.escalations (trigger_type) VALUES (NULL)$$,
                 '23502', 'null value in column "trigger_type" of relation "escalations" violates not-null constraint',
                 'a NULL type is refused by NOT NULL');
SELECT throws_ok($$INSERT INTO public.escalations (work_order_id, trigger_type) VALUES ('00000000-0000-0000-0000-000000000801', 'test_failures')$$,
                 '23505', 'duplicate key value violates unique constraint "escalations_one_open_idx"',
                 'a hand-written INSERT cannot open a second escalation of the same work order and type');
UPDATE public.escalation_policies SET sla = interval '15 minutes' WHERE trigger_type = 'stuck_work_order';
INSERT INTO public.escalations (work_order_id, trigger_type) VALUES ('00000000-0000-0000-0000-000000000801', 'stuck_work_order');
SELECT is((SELECT sla_due_at - created_at FROM public.escalations
           WHERE work_order_id = '00000000-0000-0000-0000-000000000801' AND trigger_type = 'stuck_work_order'),
          interval '15 minutes', 'the trigger reads the policy table at insert time');
UPDATE public.escalations SET priority = 'low' WHERE work_order_id = '00000000-0000-0000-0000-000000000801'
                                                 AND trigger_type = 'stuck_work_order';
SELECT is((SELECT priority FROM public.escalations
           WHERE work_order_id = '00000000-0000-0000-0000-000000000801' AND trigger_type = 'stuck_work_order'),
          'low', 'the policy trigger fires on INSERT only: an UPDATE of priority stands');
SELECT is((SELECT count(*)::int FROM public.alerts WHERE kind = 'escalation.opened'), 0,
          'a hand-written INSERT raises no alert (only create_escalation does)');

-- work_orders_close_escalations_on_delete ---------------------------------------------------------------
SELECT trigger_is('public', 'work_orders', 'work_orders_close_escalations_on_delete', 'private', 'work_orders_close_escalations',
                  'work_orders_close_escalations_on_delete runs private.work_orders_close_escalations');
INSERT INTO public.work_orders (id, title) VALUES
    ('00000000-0000-0000-0000-000000000811', 'doomed one'), ('00000000-0000-0000-0000-000000000812', 'doomed two');
INSERT INTO public.escalations (work_order_id, trigger_type) VALUES
    ('00000000-0000-0000-0000-000000000811', 'retry_exhausted'), ('00000000-0000-0000-0000-000000000812', 'retry_exhausted'),
    (NULL, 'retry_exhausted');
INSERT INTO public.escalations (work_order_id, trigger_type, status, resolved_at, resolved_by)
VALUES ('00000000-0000-0000-0000-000000000811', 'retry_exhausted', 'resolved', now() - interval '1 day', 'ops-bob');
SELECT lives_ok($$DELETE FROM public.work_orders WHERE id IN ('00000000-0000-0000-0000-000000000811', '00000000-0000-0000-0000-000000000812')$$,
                'two work orders with open escalations of one type can be deleted (no clash of unlinked open escalations)');
SELECT results_eq(
    $$SELECT status, resolution ->> 'dismissed', resolved_by = session_user, resolved_at = now() FROM public.escalations
      WHERE resolution ->> 'work_order_id' IN ('00000000-0000-0000-0000-000000000811', '00000000-0000-0000-0000-000000000812')$$,
    $$VALUES ('dismissed', 'work order deleted', true, true), ('dismissed', 'work order deleted', true, true)$$,
    'their open escalations were dismissed, with who and when');
SELECT is((SELECT count(*)::int FROM public.escalations WHERE trigger_type = 'retry_exhausted' AND work_order_id IS NULL), 4,
          'the escalations stay as history, unlinked');
SELECT is((SELECT count(*)::int FROM public.escalations WHERE trigger_type = 'retry_exhausted' AND work_order_id IS NULL
           AND status = 'pending'), 1, 'the system-wide open escalation of that type is untouched');
SELECT is((SELECT resolved_by FROM public.escalations WHERE trigger_type = 'retry_exhausted' AND status = 'resolved'), 'ops-bob',
          'an already resolved escalation keeps its own resolution');

SELECT * FROM finish();
ROLLBACK;
