-- Config keys of the budget engine (issue 3): reservation lifetime, the largest single
-- reservation and the model the hard-cap tier forces. Every number the rules use lives here.
-- depends: 0004_orchestrator_state

INSERT INTO public.system_config (key, value, value_type, min_value, max_value, description) VALUES
    ('reservation_ttl',        '"15 minutes"',  'interval', 10, 86400,
     'An open budget reservation not settled or released within this long expires and frees its amount.'),
    ('max_single_reservation', '25',            'numeric',  0.000001, 1000000,
     'Largest amount (USD) one check_and_reserve_budget call may reserve; larger estimates are refused as bad input (22023).'),
    ('budget_hard_cap_model',  '"gpt-4o-mini"', 'text',     NULL, NULL,
     'The model forced in the hard_cap tier and the only model allowed in the critical tier (runbook 1.3).');
