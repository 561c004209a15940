-- Model prices, versioned: the table and its checks, set_model_price (insert, idempotent retry,
-- replace a scheduled row, refuse to change one in effect, bad input writes nothing),
-- model_price at instants, the history triggers, import_model_prices (only changes become rows),
-- model_prices_list, roles, and the prices in backup_config / restore_config.
BEGIN;
SELECT plan(85);

-- The table --------------------------------------------------------------------------------------
SELECT has_table('public', 'model_prices', 'table model_prices exists');
SELECT col_is_pk('public', 'model_prices', ARRAY['model', 'effective_from'], 'one row per model and instant');
SELECT col_type_is('public', 'model_prices', 'input_usd_per_mtok', 'numeric', 'rates are numeric');
SELECT col_type_is('public', 'model_prices', 'effective_from', 'timestamp with time zone', 'effective_from is timestamptz');
SELECT throws_ok($$INSERT INTO public.model_prices (model, effective_from, input_usd_per_mtok, output_usd_per_mtok)
                   VALUES ('m', now() + interval '1 day', -1, 1)$$, '23514', 'new row for relation "model_prices" violates check constraint "model_prices_input_usd_per_mtok_check"',
                 'a negative rate breaks a CHECK');
SELECT throws_ok($$INSERT INTO public.model_prices (model, effective_from, input_usd_per_mtok, output_usd_per_mtok, max_output_tokens)
                   VALUES ('m', now() + interval '1 day', 1, 1, 0)$$, '23514', 'new row for relation "model_prices" violates check constraint "model_prices_max_output_tokens_check"',
                 'max_output_tokens must be positive');
SELECT throws_ok($$INSERT INTO public.model_prices (model, effective_from, input_usd_per_mtok, output_usd_per_mtok)
                   VALUES ('   ', now() + interval '1 day', 1, 1)$$, '23514', 'new row for relation "model_prices" violates check constraint "model_prices_model_check"',
                 'a blank model breaks a CHECK');
SELECT throws_ok($$INSERT INTO public.model_prices (model, effective_from, input_usd_per_mtok, output_usd_per_mtok, tiers)
                   VALUES ('m', now() + interval '1 day', 1, 1, '{"from_tokens": 200001}')$$, '23514', 'new row for relation "model_prices" violates check constraint "model_prices_tiers_check"',
                 'tiers that are not a list break a CHECK');

-- set_model_price --------------------------------------------------------------------------------
CREATE TEMP TABLE answers AS
SELECT 1 AS step, public.set_model_price(' test-model ', 2.50, 10, 1.25, 16384) AS a;
SELECT is((SELECT a ->> 'outcome' FROM answers WHERE step = 1), 'inserted', 'a first price is inserted');
SELECT is((SELECT a ->> 'model' FROM answers WHERE step = 1), 'test-model', 'the model name is stored stripped');
SELECT is((SELECT (a ->> 'effectiveFrom')::timestamptz FROM answers WHERE step = 1), now(), 'effective from now by default');
SELECT is((SELECT a -> 'inputUsdPerMtok' FROM answers WHERE step = 1), '2.5'::jsonb, 'rates stored without trailing zeros');
SELECT is((SELECT (a ->> 'inEffect')::boolean FROM answers WHERE step = 1), true, 'a price from now is in effect');
SELECT is((SELECT a -> 'tiers' FROM answers WHERE step = 1), 'null'::jsonb, 'no tiers unless given');
SELECT is((SELECT count(*)::integer FROM public.audit_log WHERE action = 'budget.set_model_price'), 1, 'a set is audited');
SELECT is(public.set_model_price('test-model', 2.5, 10.000, 1.25, 16384) ->> 'outcome', 'unchanged',
          'the same price at the same instant again is an idempotent retry');
SELECT is(public.set_model_price('test-model', 2.5, 10, 1.25, 16384, now() + interval '30 minutes') ->> 'outcome', 'unchanged',
          'the price in effect set again for a later instant is unchanged too');
SELECT is((SELECT count(*)::integer FROM public.model_prices WHERE model = 'test-model'), 1, 'still one row');
SELECT is((SELECT count(*)::integer FROM public.audit_log WHERE action = 'budget.set_model_price'), 1,
          'an unchanged retry is not audited again');
SELECT throws_ok($$SELECT public.set_model_price('test-model', 3, 10, 1.25, 16384)$$, '55000',
                 format('the price of test-model from %s is in effect and cannot be changed', now()),
                 'other prices at an instant in effect are refused');
SELECT isnt(test_helpers.hint_of($$SELECT public.set_model_price('test-model', 3, 10, 1.25, 16384)$$), NULL,
            'and the hint says corrections are new rows');

-- A scheduled price: replaced while not in effect.
SELECT is(public.set_model_price('test-model', 3, 12, NULL, 16384, now() + interval '1 hour') ->> 'outcome', 'inserted',
          'a price scheduled an hour ahead is inserted');
SELECT is(public.set_model_price('test-model', 3.5, 14, NULL, 16384, now() + interval '1 hour') ->> 'outcome', 'replaced',
          'other prices for an instant not yet in effect replace it');
SELECT is((SELECT input_usd_per_mtok FROM public.model_prices WHERE model = 'test-model' AND effective_from = now() + interval '1 hour'),
          3.5, 'the scheduled row holds the new prices');
SELECT is((SELECT count(*)::integer FROM public.model_prices WHERE model = 'test-model'), 2, 'one row per model and instant');

-- Long-context tier through the optional parameters.
SELECT is(public.set_model_price('long-model', 1.25, 10, 0.125, 65535, p_long_context_threshold_tokens => 200000,
                                 p_long_context_input_usd_per_mtok => 2.5, p_long_context_output_usd_per_mtok => 15,
                                 p_long_context_cached_input_usd_per_mtok => 0.25) -> 'tiers',
          '[{"fromTokens": 200001, "inputUsdPerMtok": 2.5, "outputUsdPerMtok": 15, "cachedInputUsdPerMtok": 0.25, "cacheWriteInputUsdPerMtok": null}]'::jsonb,
          'a long-context tier (more than 200000 input tokens) is stored whole, as the tier from 200001');

-- Bad input: the documented SQLSTATE, a hint, nothing written.
SELECT throws_ok($$SELECT public.set_model_price(NULL, 1, 1)$$, '22004', 'model must not be NULL', 'NULL model: 22004');
SELECT throws_ok($$SELECT public.set_model_price('x', NULL, 1)$$, '22004', 'input_usd_per_mtok must not be NULL',
                 'NULL input rate: 22004');
SELECT throws_ok($$SELECT public.set_model_price('x', 1, 1, p_effective_from => NULL)$$,
                 '22004', 'effective_from must not be NULL', 'NULL instant: 22004');
SELECT throws_ok($$SELECT public.set_model_price(E'\u00a0\t', 1, 1)$$, '22023', 'model must not be blank (white space only)',
                 'blank model: 22023');
SELECT throws_ok($$SELECT public.set_model_price('x', -0.5, 1)$$,
                 '22023', 'input_usd_per_mtok must be 0 to under 1000000 USD per million tokens, got -0.5',
                 'negative rate: 22023');
SELECT throws_ok($$SELECT public.set_model_price('x', 'NaN', 1)$$,
                 '22023', 'input_usd_per_mtok must be 0 to under 1000000 USD per million tokens, got NaN', 'NaN rate: 22023');
SELECT throws_ok($$SELECT public.set_model_price('x', 1, 1000000)$$,
                 '22023', 'output_usd_per_mtok must be 0 to under 1000000 USD per million tokens, got 1000000',
                 'a rate of a million USD per million tokens (a per-token price typed as per-million) is 22023');
SELECT throws_ok($$SELECT public.set_model_price('x', 1, 1, p_max_output_tokens => 0)$$,
                 '22023', 'max_output_tokens must be positive, got 0', 'max tokens 0: 22023');
SELECT throws_ok($$SELECT public.set_model_price('x', 1, 1, p_long_context_threshold_tokens => 1000)$$,
                 '22023', 'a long-context tier needs its threshold, input and output rates together',
                 'a tier without its rates: 22023');
SELECT throws_ok($$SELECT public.set_model_price('x', 1, 1, p_effective_from => now() - interval '1 second')$$, '22023',
                 format('a new price takes effect from now to one year ahead, got %s (now is %s)', now() - interval '1 second', now()),
                 'a new price in the past: 22023 (history is not rewritten)');
SELECT throws_ok($$SELECT public.set_model_price('x', 1, 1, p_effective_from => now() + interval '13 months')$$, '22023',
                 format('a new price takes effect from now to one year ahead, got %s (now is %s)', now() + interval '13 months', now()),
                 'a price more than a year ahead: 22023');
SELECT isnt(test_helpers.hint_of($$SELECT public.set_model_price('x', -1, 1)$$), NULL, 'a bad rate carries a hint');
SELECT is((SELECT count(*)::integer FROM public.model_prices WHERE model = 'x'), 0, 'bad input wrote nothing');

-- model_price ------------------------------------------------------------------------------------
SELECT is(public.model_price('test-model') -> 'inputUsdPerMtok', '2.5'::jsonb, 'model_price: the row in effect now');
SELECT is(public.model_price('test-model', now() + interval '2 hours') -> 'inputUsdPerMtok', '3.5'::jsonb,
          'model_price at a later instant: the scheduled row');
SELECT is(public.model_price('test-model', now() + interval '1 hour') ->> 'effectiveFrom',
          (SELECT to_jsonb(now() + interval '1 hour') #>> '{}'), 'a row is in effect from its instant on');
SELECT throws_ok($$SELECT public.model_price('test-model', now() - interval '1 second')$$, 'P0002',
                 format('no price for model test-model at %s', now() - interval '1 second'),
                 'before its first price a model has none: P0002');
SELECT throws_ok($$SELECT public.model_price('no-such-model')$$, 'P0002', format('no price for model no-such-model at %s', now()),
                 'an unknown model: P0002');
SELECT matches(test_helpers.hint_of($$SELECT public.model_price('no-such-model')$$), 'set_model_price',
               'and the hint names set_model_price');
SELECT throws_ok($$SELECT public.model_price('test-model', '1900-01-01')$$, '22023',
                 format('the instant must lie from 2000-01-01 to one year ahead, got %s', '1900-01-01'::timestamptz),
                 'an instant before 2000: 22023');

-- History triggers -------------------------------------------------------------------------------
SELECT throws_ok($$UPDATE public.model_prices SET input_usd_per_mtok = 1 WHERE model = 'test-model' AND effective_from = now()$$,
                 '55000', format('the price of test-model from %s is in effect: it is history and cannot be changed', now()),
                 'a row in effect cannot be updated, even by hand');
SELECT throws_ok($$DELETE FROM public.model_prices WHERE model = 'test-model' AND effective_from = now()$$,
                 '55000', format('the price of test-model from %s is in effect: it is history and cannot be deleted', now()),
                 'nor deleted');
SELECT throws_ok($$TRUNCATE public.model_prices$$, '55000', 'TRUNCATE model_prices would erase price history', 'nor truncated');
SELECT throws_ok($$UPDATE public.model_prices SET effective_from = now() + interval '2 hours'
                   WHERE model = 'test-model' AND effective_from = now() + interval '1 hour'$$,
                 '55000', 'a scheduled price cannot move to another model or instant',
                 'a scheduled row cannot move to another instant');
SELECT lives_ok($$DELETE FROM public.model_prices WHERE model = 'test-model' AND effective_from = now() + interval '1 hour'$$,
                'a scheduled row may be deleted');

-- import_model_prices ----------------------------------------------------------------------------
INSERT INTO answers SELECT 2, public.import_model_prices(
    '[{"model": "imp-a", "input_usd_per_mtok": "0.8", "output_usd_per_mtok": 3.2, "max_output_tokens": 4096},
      {"model": "imp-b", "input_usd_per_mtok": 1, "output_usd_per_mtok": 2, "cached_input_usd_per_mtok": "0.1"},
      {"model": "test-model", "input_usd_per_mtok": 2.5, "output_usd_per_mtok": 10, "cached_input_usd_per_mtok": 1.25,
       "max_output_tokens": 16384}]');
SELECT is((SELECT a - 'effectiveFrom' FROM answers WHERE step = 2),
          '{"entries": 3, "newModels": 2, "changed": 0, "unchanged": 1, "rowsInserted": 2}'::jsonb,
          'an import inserts new models and leaves an equal price alone');
SELECT is((SELECT input_usd_per_mtok FROM public.model_prices WHERE model = 'imp-a'), 0.8, 'a rate given as decimal text is exact');
INSERT INTO answers SELECT 3, public.import_model_prices(
    '[{"model": "imp-a", "input_usd_per_mtok": "0.8", "output_usd_per_mtok": 3.2, "max_output_tokens": 4096},
      {"model": "imp-b", "input_usd_per_mtok": 1, "output_usd_per_mtok": 2.5, "cached_input_usd_per_mtok": "0.1"}]',
    now() + interval '1 day');
SELECT is((SELECT a - 'effectiveFrom' FROM answers WHERE step = 3),
          '{"entries": 2, "newModels": 0, "changed": 1, "unchanged": 1, "rowsInserted": 1}'::jsonb,
          'a re-import writes only the changed price');
SELECT results_eq($$SELECT output_usd_per_mtok FROM public.model_prices WHERE model = 'imp-b' ORDER BY effective_from$$,
                  $$VALUES (2::numeric), (2.5)$$, 'the old row stays, the new one follows it');
SELECT is((SELECT count(*)::integer FROM public.audit_log WHERE action = 'budget.import_model_prices'), 2, 'imports are audited');
SELECT throws_ok($$SELECT public.import_model_prices('{"model": "x"}')$$, '22023', 'prices must be a JSON array, got object',
                 'not an array: 22023');
SELECT throws_ok($$SELECT public.import_model_prices('[{"model": "dup", "input_usd_per_mtok": 1, "output_usd_per_mtok": 1},
                                                      {"model": "dup", "input_usd_per_mtok": 2, "output_usd_per_mtok": 1}]')$$,
                 '22023', 'model(s) listed more than once: dup', 'a model listed twice: 22023');
SELECT throws_ok($$SELECT public.import_model_prices('[{"model": "ok-1", "input_usd_per_mtok": 1, "output_usd_per_mtok": 1},
                                                      {"model": "bad", "input_usd_per_mtok": -1, "output_usd_per_mtok": 1}]')$$,
                 '22023', 'import refused at entry 2 (bad): input_usd_per_mtok must be 0 to under 1000000 USD per million tokens, got -1',
                 'a bad entry refuses the import and is named');
SELECT throws_ok($$SELECT public.import_model_prices('[{"model": "ok-2", "input_usd_per_mtok": 1, "output_usd_per_mtok": 1, "colour": "red"}]')$$,
                 '22023', 'import refused at entry 1 (ok-2): unknown field(s) in a model price entry: colour',
                 'an unknown field: 22023');
SELECT throws_ok($$SELECT public.import_model_prices('[{"model": "ok-3", "input_usd_per_mtok": "lots", "output_usd_per_mtok": 1}]')$$,
                 '22023', 'import refused at entry 1 (ok-3): invalid input syntax for type numeric: "lots"',
                 'a rate that is not a number: 22023');
SELECT is((SELECT count(*)::integer FROM public.model_prices WHERE model IN ('ok-1', 'ok-2', 'ok-3', 'dup')), 0,
          'a refused import wrote nothing');

-- model_prices_list ------------------------------------------------------------------------------
SELECT results_eq($$SELECT model, status FROM public.model_prices_list() WHERE model LIKE 'imp-%'$$,
                  $$VALUES ('imp-a', 'current'), ('imp-b', 'scheduled'), ('imp-b', 'current')$$,
                  'the list: current and scheduled prices');
SELECT is((SELECT count(*)::integer FROM public.model_prices_list(p_all => true) WHERE model LIKE 'imp-%'), 3,
          'with p_all: every row');
INSERT INTO answers VALUES (4, public.set_model_price('hist-model', 1, 1, p_effective_from => now() + interval '1 minute')),
                           (5, public.set_model_price('hist-model', 2, 2, p_effective_from => now() + interval '2 minutes'));
INSERT INTO public.model_prices (model, effective_from, input_usd_per_mtok, output_usd_per_mtok)
VALUES ('hist-model', now() - interval '1 day', 0.5, 0.5), ('hist-model', now() - interval '2 days', 0.4, 0.4);
SELECT results_eq($$SELECT status FROM public.model_prices_list('hist-model')$$,
                  $$VALUES ('scheduled'), ('scheduled'), ('current'), ('superseded')$$,
                  'one model: its whole history, newest first');

-- Roles --------------------------------------------------------------------------------------------
SELECT is(test_helpers.as_role('authenticated', $$SELECT count(*) FROM public.model_prices WHERE model = 'imp-a'$$), '1',
          'the dashboard reads prices');
SELECT is(test_helpers.as_role('authenticated', $$SELECT public.model_price('imp-a') ->> 'model'$$), 'imp-a',
          'the dashboard calls model_price');
SELECT is(test_helpers.as_role('authenticated', $$SELECT public.set_model_price('imp-a', 9, 9)$$), 'ERROR 42501',
          'the dashboard may not set prices');
SELECT is(test_helpers.as_role('anon', $$SELECT count(*) FROM public.model_prices$$), 'ERROR 42501', 'anon reads nothing');
SELECT is(test_helpers.as_role('service_role', $$INSERT INTO public.model_prices (model, effective_from, input_usd_per_mtok, output_usd_per_mtok)
                                                 VALUES ('direct', now(), 1, 1) RETURNING model$$), 'ERROR 42501',
          'service_role writes through the functions only');

-- Backup and restore ---------------------------------------------------------------------------
SELECT backup_config() AS doc \gset
SELECT is((SELECT e FROM jsonb_array_elements((:'doc'::jsonb) -> 'model_prices') AS e WHERE e ->> 'model' = 'imp-a') -> 'input_usd_per_mtok',
          '"0.8"'::jsonb, 'a backup holds prices as exact decimal text');
SELECT is(jsonb_array_length((:'doc'::jsonb) -> 'model_prices'), (SELECT count(*)::integer FROM public.model_prices),
          'and every price row, history included');
SELECT is(public.restore_config(:'doc'::jsonb) - 'config_keys' - 'escalation_policies' - 'alert_channels',
          jsonb_build_object('restored', true, 'model_prices', (SELECT count(*) FROM public.model_prices), 'model_prices_written', 0),
          'restoring the same backup changes no price');
SELECT is((public.restore_config(jsonb_set(:'doc'::jsonb, '{model_prices}', (:'doc'::jsonb) -> 'model_prices' || jsonb_build_array(
              jsonb_build_object('model', 'restored-model', 'effective_from', '2025-01-01T00:00:00Z', 'input_usd_per_mtok', '0.15',
                                 'output_usd_per_mtok', '0.6', 'created_by', 'old-db'))))) ->> 'model_prices_written', '1',
          'a restore inserts a missing row, whatever its instant');
SELECT is((SELECT created_by || ' ' || input_usd_per_mtok FROM public.model_prices WHERE model = 'restored-model'), 'old-db 0.15',
          'with its rates and creator');
SELECT throws_ok(format('SELECT public.restore_config(%L::jsonb)', jsonb_set(:'doc'::jsonb, '{model_prices}', jsonb_build_array(
                     jsonb_build_object('model', 'restore-new', 'effective_from', '2025-01-01T00:00:00Z',
                                        'input_usd_per_mtok', '1', 'output_usd_per_mtok', '1'),
                     jsonb_build_object('model', 'imp-a', 'effective_from', (SELECT effective_from FROM public.model_prices WHERE model = 'imp-a'),
                                        'input_usd_per_mtok', '0.9', 'output_usd_per_mtok', '3.2')))),
                 '55000', (SELECT format('restore refused at model_prices.imp-a@%s: the price of imp-a from %s is in effect and cannot be changed',
                                         to_jsonb(effective_from) #>> '{}', effective_from)
                           FROM public.model_prices WHERE model = 'imp-a'),
                 'a restore that would change a price in effect is refused');
SELECT is((SELECT count(*)::integer FROM public.model_prices WHERE model = 'restore-new'), 0, 'and writes nothing (all or nothing)');

-- The helpers every write goes through (set_model_price, the import, a restore): one reading of
-- an entry, one check, one comparison, one JSON form, one write rule; and the history triggers.
CREATE TEMP TABLE helper_price AS
    SELECT private.model_price_from_json('{"model": "helper-model", "input_usd_per_mtok": "2.50", "output_usd_per_mtok": 10,
                                           "max_output_tokens": 4096}', now() + interval '1 day') AS p;
SELECT is((SELECT (private.model_price_check(p)).input_usd_per_mtok::text FROM helper_price), '2.5',
          'model_price_from_json reads a decimal string exactly; model_price_check stores it without trailing zeros');
SELECT throws_ok($$SELECT private.model_price_check(private.model_price_from_json(
                     '{"model": "m", "input_usd_per_mtok": "-1", "output_usd_per_mtok": 1}', now() + interval '1 day'))$$,
                 '22023', 'input_usd_per_mtok must be 0 to under 1000000 USD per million tokens, got -1',
                 'model_price_check refuses a negative rate');
SELECT is((SELECT private.model_price_same(p, private.model_price_check(p)) FROM helper_price), true,
          'model_price_same: 2.50 and 2.5 are the same price');
SELECT is((SELECT private.model_price_json(private.model_price_check(p)) ->> 'inputUsdPerMtok' FROM helper_price), '2.5',
          'model_price_json answers the API''s camelCase form');
SELECT is((SELECT private.model_price_write(private.model_price_check(p), false) FROM helper_price), 'inserted',
          'model_price_write inserts a price at a new instant');
SELECT is((SELECT private.model_price_write(private.model_price_check(p), false) FROM helper_price), 'unchanged',
          'and the same price at that instant again is unchanged');
SELECT trigger_is('public', 'model_prices', t, 'private', t, t || ' runs private.' || t)
FROM unnest(ARRAY['model_prices_history', 'model_prices_refuse_truncate']) AS t;

SELECT * FROM finish();
ROLLBACK;
