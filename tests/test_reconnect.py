"""`moose run` while its database goes away and comes back: the reconnect loop backs off, logs
one line when the database goes, a reminder on a fixed period while it stays away, one line when
it is back, and then wakes the alert sender at once (instead of leaving it in its own backoff).
The pace is checked against the schedule the runner reports (and, in-process, an injected
clock), never against wall-clock sleeps."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import psycopg
import pytest
from alert_helpers import add_channel, fast_retries, raise_alert
from alert_receiver import Receiver
from psycopg.conninfo import conninfo_to_dict
from service_helpers import Lines, start_runner, stop
from tcp_proxy import TcpProxy

from runner.reconnect import Backoff, Outage


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_backoff_doubles_up_to_its_maximum() -> None:
    assert [Backoff(1.0, 15.0).delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 15, 15, 15]
    with pytest.raises(ValueError):
        Backoff(2.0, 1.0)


def test_an_outage_logs_once_then_on_its_reminder_period_then_once_when_back(
        caplog: pytest.LogCaptureFixture) -> None:
    clock = FakeClock()
    outage = Outage("moose run", logging.getLogger("test.outage"), Backoff(1.0, 15.0), remind_every=60.0,
                    clock=clock)
    caplog.set_level(logging.INFO, logger="test.outage")
    assert outage.succeeded() is False
    delays = []
    for _ in range(12):  # 1+2+4+8+15*8 = 135 s of tries
        delays.append(outage.failed(OSError("connection refused")))
        clock.now += delays[-1]
    assert delays == [1, 2, 4, 8] + [15] * 8
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "moose run: database unreachable, retrying in 1 s, backing off to every 15 s "
        "(a reminder every 60 s while it lasts): connection refused",
        # tries at 0,1,3,7,15,30,45,60 -> the 8th (t=60) reminds; 75,90,105,120 -> the 12th (t=120)
        "moose run: database still unreachable after 60 s, 8 failed tries, retrying every 15 s: connection refused",
        "moose run: database still unreachable after 120 s, 12 failed tries, retrying every 15 s: connection refused",
    ]
    assert outage.succeeded() is True
    assert caplog.records[-1].getMessage() == "moose run: database reachable again after 135.0 s (12 failed tries)"
    assert outage.succeeded() is False, "one line per change"
    assert outage.failed(OSError("again")) == 1, "a new outage starts the backoff again"


def test_a_runner_whose_database_goes_away_backs_off_quietly_and_wakes_the_sender_when_it_is_back(
        db_url: str, conn: psycopg.Connection, tmp_path: Path) -> None:
    fast_retries(conn)
    config = tmp_path / "runner.toml"
    config.write_text("reconnect_initial = 0.05\nreconnect_max = 0.2\nreconnect_reminder = 1.0\n")
    info = conninfo_to_dict(db_url)
    with TcpProxy(str(info.get("host", "127.0.0.1")), int(info.get("port", 5432))) as proxy, \
            Receiver() as rx:
        add_channel(conn, "rx", "webhook", rx.url("/hook"))
        proxied = db_url.replace(f":{info['port']}/", f":{proxy.port}/")
        proc = start_runner(proxied, "-v", "run", "--no-jobs", "--interval", "0.5", "--poll", "0.05",
                            "--config", str(config))
        lines = Lines(proc)
        try:
            lines.wait(r"health:")
            lines.wait(r"alert delivery: worker ")
            proxy.down()
            lines.wait(r"moose run: database still unreachable", count=2)
            raise_alert(conn, "error", "raised while the runner was cut off")
            # The sender backs off 1, 2, 4, 8, 16 s: once it is in its 16 s wait, bring the
            # database back. The runner's loop (tries every 0.2 s) sees it first and wakes it;
            # the 16 s leave a loaded machine ample time to, and the line below says which it was.
            lines.wait(r"alert delivery: try 5 failed, next try in 16 s")
            proxy.up()
            back = lines.wait(r"moose run: database reachable again after")
            rx.wait_for(1, "/hook")
            woken = lines.wait(r"alert delivery: database reachable again after")
        finally:
            output = stop(proc)
    assert proc.returncode == 0, output
    assert len(back) == 1
    assert woken[0].endswith("failed tries; woken by the runner's reconnect)"), woken
    # One line when it went, reminders on their period, none for the other tries.
    down = lines.matching(r"moose run: database unreachable, retrying in 0.05 s, backing off to every 0.2 s "
                          r"\(a reminder every 1 s while it lasts\)")
    reminders = lines.matching(r"moose run: database still unreachable after \d+ s")
    said = lines.matching(r"(ERROR|WARNING) moose\.run:")
    assert len(down) == 1 and said == down + reminders, "\n".join(lines.lines)
    # The pace: the delays the loop chose double from 0.05 s and stay at 0.2 s.
    delays = [float(m) for line in lines.matching(r"moose run: try \d+ failed")
              for m in re.findall(r"next try in ([\d.]+) s", line)]
    assert delays[:3] == [0.05, 0.1, 0.2] and set(delays[3:]) == {0.2}, delays
    tries = [int(re.search(r", (\d+) failed tries", line).group(1)) for line in reminders]  # type: ignore[union-attr]
    # A reminder on its period, not at every try (how many tries fit in a period is the machine's business).
    assert tries == sorted(tries) and tries[0] >= 2 and len(reminders) < tries[-1] <= len(delays)
    # The sender said it once too, and not at every try.
    assert len(lines.matching(r"ERROR moose\.alerts: alert delivery: database unreachable")) == 1
