"""The env_* alert channels from the runner's environment (SLACK_WEBHOOK_URL, SENDGRID_API_KEY
with ALERT_EMAIL_TO/ALERT_EMAIL_FROM, ALERT_WEBHOOK_URL with ALERT_WEBHOOK_SECRET,
ALERT_MIN_SEVERITY): one call of sync_env_alert_channels, which validates and upserts them."""

from __future__ import annotations

import os
from collections.abc import Mapping

import psycopg

ENV_VARIABLES = ("SLACK_WEBHOOK_URL", "SENDGRID_API_KEY", "ALERT_EMAIL_TO", "ALERT_EMAIL_FROM",
                 "ALERT_WEBHOOK_URL", "ALERT_WEBHOOK_SECRET")


def sync_env_channels(conn: psycopg.Connection, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Upsert env_slack / env_email / env_webhook from the environment (unset ones are disabled)."""
    env = os.environ if environ is None else environ
    row = conn.execute(
        "SELECT public.sync_env_alert_channels(%s, %s, %s, %s, %s, %s, %s)",
        (env.get("SLACK_WEBHOOK_URL"), env.get("SENDGRID_API_KEY"), env.get("ALERT_EMAIL_TO"),
         env.get("ALERT_EMAIL_FROM"), env.get("ALERT_WEBHOOK_URL"), env.get("ALERT_WEBHOOK_SECRET"),
         env.get("ALERT_MIN_SEVERITY") or "warning"),
    ).fetchone()
    assert row is not None
    return dict(row[0])
