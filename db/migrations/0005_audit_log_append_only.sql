-- audit_log is append-only for the API roles: service_role and the runner may add rows and read
-- them, but not rewrite or remove who did what (0002 granted them UPDATE and DELETE with the
-- other tables). The functions that write it keep working: they only INSERT. Pruning the log
-- is a DBA's decision, made as the table owner.
-- depends: 0004_orchestrator_state

REVOKE UPDATE, DELETE, TRUNCATE ON public.audit_log FROM service_role, moose_runner;
DROP POLICY service_all ON public.audit_log;
CREATE POLICY service_read ON public.audit_log FOR SELECT TO service_role, moose_runner USING (true);
CREATE POLICY service_append ON public.audit_log FOR INSERT TO service_role, moose_runner WITH CHECK (true);
COMMENT ON TABLE public.audit_log IS
    'Who did what to the system: kills, resumes, decisions, config changes. Append-only for service_role and the runner (INSERT and SELECT); only the owner may change or delete rows.';
