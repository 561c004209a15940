-- Model policy per spend tier: which tiers may use a model as asked and its cheaper
-- alternative (runbook 1.3: cheaper models in warning, gpt-4o-mini forced in hard cap).
-- depends: 0012_budget_reservations

CREATE TABLE public.model_policies (
    model               text PRIMARY KEY CHECK (length(model) BETWEEN 1 AND 200),
    cheaper_alternative text REFERENCES public.model_policies (model) ON UPDATE CASCADE ON DELETE SET NULL
                        CHECK (cheaper_alternative <> model),
    allowed_tiers       text[] NOT NULL DEFAULT '{normal}'
                        CHECK (allowed_tiers <@ ARRAY['normal', 'warning', 'hard_cap', 'critical']::text[]),
    description         text NOT NULL DEFAULT ''
);
COMMENT ON TABLE public.model_policies IS
    'Per model: the spend tiers in which it may be used as requested and its cheaper alternative. In the warning tier a model not allowed there is replaced by the first allowed model down its cheaper_alternative chain.';

INSERT INTO public.model_policies (model, cheaper_alternative, allowed_tiers, description) VALUES
    ('gpt-4o-mini',       NULL,                '{normal,warning,hard_cap,critical}', 'OpenAI small model: the default hard-cap model.'),
    ('gpt-4o',            'gpt-4o-mini',       '{normal}',                           'OpenAI flagship multimodal model.'),
    ('gpt-4.1-mini',      'gpt-4o-mini',       '{normal,warning}',                   'OpenAI GPT-4.1 mini.'),
    ('gpt-4.1',           'gpt-4.1-mini',      '{normal}',                           'OpenAI GPT-4.1.'),
    ('o4-mini',           'gpt-4o-mini',       '{normal,warning}',                   'OpenAI small reasoning model.'),
    ('o3',                'o4-mini',           '{normal}',                           'OpenAI reasoning model.'),
    ('claude-haiku-4.5',  NULL,                '{normal,warning}',                   'Anthropic small model.'),
    ('claude-sonnet-4.5', 'claude-haiku-4.5',  '{normal}',                           'Anthropic mid model (runbook 3.1: retries switch to it).'),
    ('claude-opus-4.1',   'claude-sonnet-4.5', '{normal}',                           'Anthropic large model.'),
    ('gemini-2.5-flash',  NULL,                '{normal,warning}',                   'Google small model.'),
    ('gemini-2.5-pro',    'gemini-2.5-flash',  '{normal}',                           'Google large model.');

ALTER TABLE public.model_policies ENABLE ROW LEVEL SECURITY;
CREATE POLICY service_all ON public.model_policies FOR ALL TO service_role, moose_runner USING (true) WITH CHECK (true);
CREATE POLICY dashboard_read ON public.model_policies FOR SELECT TO authenticated USING (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON public.model_policies TO service_role, moose_runner;
GRANT SELECT ON public.model_policies TO authenticated;

-- The settings every budget function reads in one query (see private.budget_settings()).
CREATE TYPE private.budget_settings_t AS (
    budget_day             date,
    daily_limit            numeric,
    max_single_reservation numeric,
    reservation_ttl        interval,
    warning_pct            numeric,
    hard_cap_pct           numeric,
    critical_pct           numeric,
    kill_pct               numeric,
    hard_cap_model         text
);
COMMENT ON TYPE private.budget_settings_t IS 'The budget engine''s config values, read once per call by private.budget_settings().';
