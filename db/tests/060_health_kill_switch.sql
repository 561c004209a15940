-- system_health() while the emergency kill switch is active: status error, with a reason that
-- names the kill switch, since when (UTC), manual or automatic, by whom and why; healthy again
-- after resume_operations; every role that reads the health sees the same; ops_metrics follows.
BEGIN;
SELECT plan(9);

SELECT is(system_health() ->> 'status', 'healthy', 'healthy before the kill');
SET LOCAL TimeZone = 'America/New_York';
SET LOCAL request.jwt.claims = '{"sub": "oncall@example.com", "role": "service_role"}';
SELECT emergency_kill('runaway retry loop on wo-42');
RESET request.jwt.claims;
UPDATE public.budget_kill_switch SET killed_at = '2026-12-07 23:30:05+00';

SELECT is(system_health() ->> 'status', 'error', 'the kill switch is an error');
SELECT is(system_health() -> 'reasons' ->> 0,
          'emergency kill switch active since 2026-12-07 23:30:05 UTC (manual, by oncall@example.com): runaway retry loop on wo-42',
          'the reason names the kill switch, since when in UTC whatever the session zone, manual, by whom and why');
-- The kill opened a budget_critical escalation (pending): dismissed, the kill switch alone is still an error.
SELECT dismiss_escalation(e.id, 'the kill was deliberate') FROM public.escalations AS e WHERE e.status = 'pending';
SELECT is(system_health() -> 'reasons', '["emergency kill switch active since 2026-12-07 23:30:05 UTC (manual, by oncall@example.com): runaway retry loop on wo-42"]'::jsonb,
          'with its escalation dismissed the kill switch is the one reason');
SELECT is(test_helpers.as_role('authenticated', $$SELECT system_health() ->> 'status'$$), 'error', 'the dashboard sees the error');
SELECT is(test_helpers.as_role('moose_runner', $$SELECT system_health() -> 'reasons' ->> 0$$),
          system_health() -> 'reasons' ->> 0, 'the runner sees the same reason');
SELECT is((SELECT value FROM public.ops_metrics() WHERE name = 'moose_health_status' AND labels ->> 'status' = 'error'),
          1::numeric, 'moose_health_status says error');

UPDATE public.budget_kill_switch SET automatic = true;
SELECT matches(system_health() -> 'reasons' ->> 0, '^emergency kill switch active since .* \(automatic, by ', 'an automatic kill says so');

SELECT resume_operations('loop fixed');
SELECT is(system_health() ->> 'status', 'healthy', 'healthy again after resume_operations');

SELECT * FROM finish();
ROLLBACK;
