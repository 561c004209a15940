-- import_model_prices: model names pass the blank rule before they are compared, so entries that
-- differ only by surrounding blanks are one model listed twice (22023, nothing written); a model
-- must be a JSON string (docs/BUDGET.md, "import_model_prices").
BEGIN;
SELECT plan(6);

SELECT throws_ok($$SELECT import_model_prices('[{"model": "dupx", "input_usd_per_mtok": 1, "output_usd_per_mtok": 1},
                                                {"model": "dupx ", "input_usd_per_mtok": 2, "output_usd_per_mtok": 2}]')$$,
                 '22023', 'model(s) listed more than once: dupx', 'entries that differ only by a trailing blank are listed twice');
SELECT throws_ok($$SELECT import_model_prices(jsonb_build_array(
                       jsonb_build_object('model', U&'\200Bdupy', 'input_usd_per_mtok', 1, 'output_usd_per_mtok', 1),
                       jsonb_build_object('model', 'dupy', 'input_usd_per_mtok', 1, 'output_usd_per_mtok', 1)))$$,
                 '22023', 'model(s) listed more than once: dupy', 'and by a leading zero-width space');
SELECT is((SELECT count(*)::integer FROM public.model_prices WHERE model LIKE 'dup%'), 0, 'nothing written');
SELECT throws_ok($$SELECT import_model_prices('[{"model": 12345, "input_usd_per_mtok": 1, "output_usd_per_mtok": 1}]')$$,
                 '22023', 'import refused at entry 1 (12345): a model price entry''s model must be a JSON string, got number',
                 'a model that is a number is refused');
SELECT is((SELECT count(*)::integer FROM public.model_prices WHERE model = '12345'), 0, 'and not written');
SELECT is(import_model_prices('[{"model": " spaced ", "input_usd_per_mtok": 1, "output_usd_per_mtok": 1}]') ->> 'rowsInserted',
          '1', 'a single entry with blanks around its name is one model, stored stripped');

SELECT * FROM finish();
ROLLBACK;
