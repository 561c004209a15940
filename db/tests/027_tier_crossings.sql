-- private.budget_apply_spend fires each crossing once per budget day: 50% -> budget_warning
-- escalation and alert, 80% -> budget_critical escalation and alert, 100% -> the automatic kill.
BEGIN;
SELECT plan(21);

CREATE TEMP TABLE today AS SELECT private.budget_day(now()) AS d;

INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 49.99);
SELECT is((SELECT count(*)::int FROM public.escalations), 0, 'under 50%: no escalation');

SELECT public.settle_reservation((public.check_and_reserve_budget(0.01, 'coder') ->> 'reservationId')::uuid, 0.01);
SELECT is((SELECT count(*)::int FROM public.escalations WHERE trigger_type = 'budget_warning'), 1,
          'reaching 50% opens a budget_warning escalation');
SELECT is((SELECT context ->> 'daily_total' FROM public.escalations WHERE trigger_type = 'budget_warning'), '50.000000',
          'with the day''s total in its context');
SELECT is((SELECT count(*)::int FROM public.alerts WHERE dedupe_key = 'budget_warning:' || (SELECT d FROM today)), 1,
          'and a budget alert keyed by day and tier');
SELECT is((SELECT severity || ' | ' || title || ' | ' || body FROM public.alerts
           WHERE dedupe_key = 'budget_warning:' || (SELECT d FROM today)),
          format('warning | Budget warning: 50.00%% of the daily limit spent | Spend on %s is 50.000000 of 100 USD (50.00%%): the hard-cap tier now forces %s.',
                 (SELECT d FROM today), private.config_text('budget_hard_cap_model')),
          'the warning alert says the share spent and what the hard-cap tier forces');
SELECT ok((SELECT warning_at IS NOT NULL FROM public.budget_ledger WHERE budget_day = (SELECT d FROM today)),
          'the crossing is recorded on the day''s ledger row');

-- Further spend in the same tier, and a new warning after the first was resolved: still once per day.
INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 5);
UPDATE public.escalations SET status = 'resolved', resolved_at = now() WHERE trigger_type = 'budget_warning';
INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 5);
SELECT is((SELECT count(*)::int FROM public.escalations WHERE trigger_type = 'budget_warning'), 1,
          'the warning fires once per budget day');
SELECT is((SELECT occurrences FROM public.alerts WHERE dedupe_key = 'budget_warning:' || (SELECT d FROM today)), 1,
          'its alert is not repeated');

INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 20);
SELECT is((SELECT count(*)::int FROM public.escalations WHERE trigger_type = 'budget_critical'), 1,
          'reaching 80% opens a budget_critical escalation');
SELECT is((SELECT priority FROM public.escalations WHERE trigger_type = 'budget_critical'), 'high',
          'budget_critical is high priority (30 minute SLA)');
SELECT is((SELECT count(*)::int FROM public.alerts WHERE dedupe_key = 'budget_critical:' || (SELECT d FROM today)), 1,
          'with its own alert keyed by day and tier');
SELECT matches((SELECT severity || ' | ' || title || ' | ' || body FROM public.alerts
                WHERE dedupe_key = 'budget_critical:' || (SELECT d FROM today)),
               '^error \| Budget critical: 80\.00% of the daily limit spent \| .*only .* is allowed; the kill switch fires at 100(\.0*)?%\.$',
               'the critical alert is an error that says what is allowed and where the kill fires');
SELECT is((SELECT active FROM public.budget_kill_switch), false, 'no kill below 100%');

-- Direct application of spend to another day fires nothing.
INSERT INTO public.cost_tracking (service_name, cost, created_at) VALUES ('legacy', 500, now() - interval '10 days');
SELECT is((SELECT count(*)::int FROM public.escalations WHERE trigger_type <> 'budget_overspent'), 2,
          'spend on a past day opens no tier escalation');
SELECT private.budget_check_crossings((SELECT d FROM today) - 10, true);
SELECT is((SELECT count(*)::int FROM public.escalations WHERE trigger_type <> 'budget_overspent'), 2,
          'private.budget_check_crossings ignores other days'' rows');
SELECT is(current_setting('moose.budget_booked_reservation', true), '',
          'settle_reservation clears its booked-row marker, so later direct rows count');

-- 100%: the automatic kill (spend is 80 here).
INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 19.99);
SELECT is((SELECT active FROM public.budget_kill_switch), false, 'just under 100%: still no kill');
INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 0.01);
SELECT is((SELECT active FROM public.budget_kill_switch), true, 'reaching 100% fires the kill switch by itself');
SELECT is((SELECT automatic FROM public.budget_kill_switch), true, 'recorded as automatic');
SELECT is((SELECT count(*)::int FROM public.audit_log WHERE action = 'budget.emergency_kill'), 1, 'and audited');
INSERT INTO public.cost_tracking (service_name, cost) VALUES ('legacy', 10);
SELECT is((SELECT count(*)::int FROM public.audit_log WHERE action = 'budget.emergency_kill'), 1,
          'more spend does not kill again');

SELECT * FROM finish();
ROLLBACK;
