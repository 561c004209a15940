"""The rows alert delivery moves and the environment's channels: what claim_alert_deliveries
returns (ClaimedDelivery), and SLACK_WEBHOOK_URL & friends upserted as env_* channels by
sync_env_alert_channels. Every decision stays in SQL."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

import psycopg

ENV_VARIABLES = ("SLACK_WEBHOOK_URL", "SENDGRID_API_KEY", "ALERT_EMAIL_TO", "ALERT_EMAIL_FROM",
                 "ALERT_WEBHOOK_URL", "ALERT_WEBHOOK_SECRET")


@dataclass(frozen=True)
class ClaimedDelivery:
    """One row of claim_alert_deliveries: everything needed to send it."""

    delivery_id: int
    attempt: int
    alert_id: int | None
    channel: str
    channel_kind: str
    url: str
    headers: dict[str, str]
    body: str
    timeout_ms: int


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


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
