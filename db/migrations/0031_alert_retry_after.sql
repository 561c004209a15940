-- Delivery retries honour the receiver's Retry-After (Slack answers 429 with one): the settle
-- rule (an interval) and the runner's report (the header as received) take it as a new last
-- parameter. The old signatures go, so a
-- call with the old arguments resolves to the new functions (their new parameter defaults to
-- NULL) instead of being ambiguous between two overloads.
-- depends: 0030_alert_delivery
--
-- Reviewed for a live database (squawk, docs/CONVENTIONS.md): the old signatures go so that a call
-- with the old arguments (the runner's) resolves to the new function, whose new last parameter
-- defaults to NULL. Kept as applied: installed databases ran it before the lint existed, and a
-- fresh install runs it on new, near-empty tables.
-- squawk-ignore-file ban-drop-function

DROP FUNCTION IF EXISTS public.record_alert_delivery_result(bigint, integer, integer, text);
DROP FUNCTION IF EXISTS private.alert_delivery_settle(bigint, integer, text);
