"""`moose alerts`: operator commands for alert delivery (list, retry, test-channel, channels,
deliver). Every command calls SQL functions or reads views; nothing decides here. The sending
itself is runner/delivery.py's DeliveryWorker."""

from __future__ import annotations

import signal
import sys
import threading
import time
from types import FrameType

import click

from runner.cli.context import Context, call, echo_json, pass_context, records, rows
from runner.cli.draw import short, table
from runner.db import connect
from runner.delivery import DeliveryWorker

STATUSES = ("pending", "sending", "delivered", "failed", "throttled")


@click.group("alerts")
def alerts() -> None:
    """Alert delivery: what was sent where, re-queue failures, test a channel, run a sender.

    Channels are managed in SQL (add_alert_channel, update_alert_channel,
    disable_alert_channel) or from the environment (SLACK_WEBHOOK_URL, SENDGRID_API_KEY with
    ALERT_EMAIL_TO/ALERT_EMAIL_FROM, ALERT_WEBHOOK_URL with ALERT_WEBHOOK_SECRET). See docs/ALERTS.md.
    """


@alerts.command("list")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only deliveries in this state.")
@click.option("--channel", default=None, help="Only deliveries to this channel.")
@click.option("--limit", type=click.IntRange(1, 10000), default=50, show_default=True, help="Newest N deliveries.")
@click.option("--json", "as_json", is_flag=True, help="The rows of alert_delivery_overview as one JSON array.")
@pass_context
def list_command(ctx: Context, status: str | None, channel: str | None, limit: int, as_json: bool) -> None:
    """List alert deliveries, newest first: id, alert, severity, channel, status, attempts,
    next attempt and last error."""
    where = ("FROM public.alert_delivery_overview "
             "WHERE (%(status)s::text IS NULL OR status = %(status)s) "
             "  AND (%(channel)s::text IS NULL OR channel = %(channel)s) "
             "ORDER BY delivery_id DESC LIMIT %(limit)s")
    params = {"status": status, "channel": channel, "limit": limit}
    if as_json:
        echo_json(records(ctx, "SELECT * " + where, params))
        return
    listed = rows(
        ctx, "SELECT delivery_id, alert_id, severity, channel, status, attempts, "
        "       CASE WHEN status IN ('pending', 'sending') "
        "            THEN to_char(next_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') END, title, last_error "
        + where, params)
    table([("id", ">7"), ("alert", ">7"), ("severity", "<8"), ("channel", "<16"), ("status", "<9"), ("try", ">3"),
           ("next attempt (UTC)", "<19"), ("title", "<40"), ("last error", "")],
          ((r[0], short(r[1], 7), r[2], short(r[3], 16), r[4], r[5], r[6] or "-", short(r[7], 40), short(r[8], 60))
           for r in listed),
          "no alert deliveries")


@alerts.command("channels")
@click.option("--json", "as_json", is_flag=True, help="The channels and their counts as one JSON array.")
@pass_context
def channels_command(ctx: Context, as_json: bool) -> None:
    """List alert channels (never their URLs or secrets) with delivery counts."""
    found = records(
        ctx, "SELECT c.name, c.kind, c.min_severity, c.enabled, c.source, "
        "       count(d.*) FILTER (WHERE d.status = 'delivered') AS delivered, "
        "       count(d.*) FILTER (WHERE d.status IN ('pending', 'sending')) AS queued, "
        "       count(d.*) FILTER (WHERE d.status = 'failed') AS failed, "
        "       count(d.*) FILTER (WHERE d.status = 'throttled') AS throttled "
        "FROM public.alert_channels AS c LEFT JOIN public.alert_deliveries AS d ON d.channel_id = c.id "
        "GROUP BY c.id ORDER BY c.name")
    if as_json:
        echo_json(found)
        return
    channels = [tuple(row.values()) for row in found]
    table([("name", "<20"), ("kind", "<9"), ("min sev", "<8"), ("enabled", "<7"), ("source", "<6"),
           ("delivered", ">9"), ("queued", ">6"), ("failed", ">6"), ("throttled", ">9")],
          ((*r[:3], "yes" if r[3] else "no", *r[4:]) for r in channels),
          "no alert channels: see docs/ALERTS.md (add_alert_channel or SLACK_WEBHOOK_URL)")


@alerts.command("retry")
@click.argument("delivery_id", type=int)
@pass_context
def retry_command(ctx: Context, delivery_id: int) -> None:
    """Re-queue a failed (or throttled) delivery DELIVERY_ID now, with a fresh attempt count."""
    call(ctx, "SELECT public.retry_alert_delivery(%s)", (delivery_id,))
    click.echo(f"delivery {delivery_id} re-queued: the running sender picks it up at once")


@alerts.command("test-channel")
@click.argument("name")
@click.option("--wait", "wait_seconds", type=click.FloatRange(min=0.5), default=30.0, show_default=True,
              help="Seconds to wait for the outcome.")
@pass_context
def test_channel_command(ctx: Context, name: str, wait_seconds: float) -> None:
    """Send a test alert to channel NAME only, deliver it now and report what the receiver said.
    Exit status 1 unless it was delivered."""
    url = ctx.url()
    delivery_id = int(call(ctx, "SELECT public.test_alert_channel(%s)", (name,)))
    click.echo(f"test alert queued for {name} (delivery {delivery_id})")
    deadline = time.monotonic() + wait_seconds
    with DeliveryWorker(url) as worker, connect(url, autocommit=True) as conn:
        while True:
            worker.deliver_due(20)
            state = conn.execute(
                "SELECT status, attempts, last_status_code, last_error FROM public.alert_deliveries WHERE id = %s",
                (delivery_id,)).fetchone()
            assert state is not None
            status, attempts, code, error = state
            if status in ("delivered", "failed") or (status == "pending" and attempts > 0):
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
    if status == "delivered":
        click.echo(f"delivered: {name} answered HTTP {code}")
        return
    reason = error or (f"HTTP {code}" if code else "no answer yet")
    click.echo(f"not delivered ({status}, {attempts} attempt(s)): {reason}")
    if status == "pending":
        click.echo("it stays queued and will be retried with backoff (moose alerts list)")
    sys.exit(1)


@alerts.command("deliver")
@click.option("--once", is_flag=True, help="One round of due deliveries, then exit.")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Concurrent POSTs.")
@click.option("--no-env", is_flag=True, help="Do not upsert env_* channels from SLACK_WEBHOOK_URL and friends.")
@pass_context
def deliver_command(ctx: Context, once: bool, threads: int, no_env: bool) -> None:
    """Run the alert sender in the foreground until Ctrl-C or SIGTERM (what `moose run` does
    for alerts), or one round with --once."""
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    with DeliveryWorker(ctx.url(), max_workers=threads) as worker:
        if not no_env:
            worker.sync_env_channels()
        if once:
            done = worker.deliver_due(100)
            click.echo(f"processed {done} deliveries: " +
                       (", ".join(f"{k}={v}" for k, v in sorted(worker.stats.items())) or "nothing due"))
            return
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        worker.run_forever(stop)


COMMANDS = (alerts,)
