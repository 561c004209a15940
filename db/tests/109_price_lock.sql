-- Whether a price row is in effect is decided with the clock under the model's price lock
-- (private.model_price_lock, docs/BUDGET.md "History"): writers take it exclusive, reserve_llm_call
-- shared before it reads the price, and a row whose instant the clock has passed is in effect even
-- for a transaction that began before it (its now() is earlier).
BEGIN;
SELECT plan(6);

SELECT set_model_price('locked', 1, 1, p_max_output_tokens => 1000) IS NOT NULL AS set \gset
SELECT ok(private.model_price_lock('locked') >= now(), 'private.model_price_lock answers the clock, not the transaction start');
SELECT is((SELECT mode FROM pg_locks
           WHERE locktype = 'advisory' AND pid = pg_backend_pid()
             AND ((classid::bigint << 32) | objid::bigint) = private.model_price_lock_key('locked')),
          'ExclusiveLock', 'it holds the model''s price lock exclusive until the transaction ends');
SELECT is(private.model_price_lock_key('locked'), private.model_price_lock_key('locked'), 'one key per model');
SELECT isnt(private.model_price_lock_key('locked'), private.model_price_lock_key('other'), 'another model, another key');

SELECT set_model_price('shared', 1, 1, p_max_output_tokens => 1000) IS NOT NULL AS set \gset
SELECT reserve_llm_call('svc', 'shared', 10, 10) IS NOT NULL AS reserved \gset
SELECT is((SELECT mode FROM pg_locks
           WHERE locktype = 'advisory' AND pid = pg_backend_pid()
             AND ((classid::bigint << 32) | objid::bigint) = private.model_price_lock_key('shared')),
          'ShareLock', 'reserve_llm_call holds the model''s price lock shared');

-- A row scheduled a moment ahead; once the clock has passed it (waited for, not slept on), this
-- transaction, whose now() is before it, finds it in effect.
SELECT set_model_price('soon', 1, 1, p_max_output_tokens => 1000,
                       p_effective_from => clock_timestamp() + interval '50 milliseconds') ->> 'effectiveFrom' AS soon \gset
DO $$BEGIN
    WHILE clock_timestamp() <= (SELECT max(effective_from) FROM public.model_prices WHERE model = 'soon') LOOP
        PERFORM pg_sleep(0.01);
    END LOOP;
END$$;
SELECT throws_ok(format('SELECT set_model_price(''soon'', 2, 2, p_max_output_tokens => 1000, p_effective_from => %L)', :'soon'),
                 '55000', format('the price of soon from %s is in effect and cannot be changed', :'soon'::timestamptz),
                 'a row the clock has reached is in effect, whatever the transaction''s now()');

SELECT * FROM finish();
ROLLBACK;
