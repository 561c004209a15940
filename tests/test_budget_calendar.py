"""The budget at chosen instants of the calendar, on one cluster whose clock the test sets
(libfaketime, tests/faketime_cluster.py; one module-scoped cluster, a fresh database per test):
reservation, settle, expiry and retention at a leap day (2028-02-29), a year and month end, and
both DST changes of America/New_York (23- and 25-hour budget days). A late settle that takes a
closed period past its limit raises its alert and escalation once; the archive files a cost
under the day the ledger booked it on; the retention cutoff is the same from any session zone."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from faketime_cluster import LIBFAKETIME, FakedClockCluster, faked_clock_cluster

NY = ZoneInfo("America/New_York")


@pytest.fixture(scope="module")
def faked() -> Iterator[FakedClockCluster]:
    """The faked-clock cluster. Without libfaketime: skipped, except under CI=true, where it is a
    failure (scripts/bootstrap.sh installs it)."""
    if not LIBFAKETIME.exists():
        reason = f"libfaketime is not installed ({LIBFAKETIME}; scripts/bootstrap.sh installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    with faked_clock_cluster() as cluster:
        yield cluster


class Calendar:
    """One fresh database on the faked-clock cluster; `at` moves the server's clock."""

    def __init__(self, faked: FakedClockCluster, url: str) -> None:
        self.faked = faked
        self.url = url
        self.conn = psycopg.connect(url, autocommit=True)

    def at(self, instant: datetime) -> None:
        self.faked.set_clock(instant)

    def one(self, sql: str, *params: Any) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def run(self, sql: str, *params: Any) -> None:
        self.conn.execute(sql, params)

    def all(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()

    def reserve(self, amount: float, service: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.one("SELECT check_and_reserve_budget(%s, %s, %s::jsonb)", amount, service,
                        json.dumps(metadata or {}))

    def settle(self, reservation: dict[str, Any], cost: float) -> dict[str, Any]:
        return self.one("SELECT settle_reservation(%s, %s)", reservation["reservationId"], cost)


@pytest.fixture
def cal(faked: FakedClockCluster, request: pytest.FixtureRequest) -> Iterator[Calendar]:
    name = "cal_" + hashlib.sha1(request.node.name.encode()).hexdigest()[:16]
    calendar = Calendar(faked, faked.fresh_database(name))
    try:
        yield calendar
    finally:
        calendar.conn.close()


def test_late_settle_overspending_a_closed_leap_day_alerts_once_and_archives_on_that_day(cal: Calendar) -> None:
    cal.at(datetime(2028, 2, 29, 12, 0, tzinfo=UTC))
    cal.one("SELECT update_config('daily_budget_limit', '10')")
    cal.one("SELECT set_budget('service', 'svc', 'day', 10)")
    cal.one("SELECT set_budget('project', 'apollo', 'month', 100)")
    cal.at(datetime(2028, 2, 29, 23, 59, 57, tzinfo=UTC))
    first = cal.reserve(4, "svc", {"project": "apollo"})
    second = cal.reserve(1, "svc", {"project": "apollo"})
    assert first["canProceed"] and second["canProceed"] and first["budgetDay"] == "2028-02-29"

    cal.at(datetime(2028, 3, 1, 0, 0, 2, tzinfo=UTC))
    settled = cal.settle(first, 12)
    assert (settled["budgetDay"], settled["dailyTotal"]) == ("2028-02-29", 12)
    assert cal.one("SELECT spent FROM budget_ledger WHERE budget_day = '2028-02-29'") == 12
    alerts = cal.all("SELECT title, body, context FROM alerts WHERE kind = 'budget.overspent' ORDER BY title")
    assert [(a[2]["scope"], a[2]["key"], a[2]["period"], a[2]["periodStart"]) for a in alerts] == [
        ("global", "*", "day", "2028-02-29"), ("service", "svc", "day", "2028-02-29")]
    for _title, body, context in alerts:
        assert (context["limit"], context["spent"], context["reservation_id"]) == (10, 12, first["reservationId"])
        assert "2028-02-29" in body and first["reservationId"] in body and "10" in body and "12" in body
    escalations = cal.all("SELECT id, context FROM escalations WHERE trigger_type = 'budget_overspent'")
    assert len(escalations) == 1
    assert {b["scope"] for b in escalations[0][1]["budgets"]} == {"global", "service"}
    assert cal.one("SELECT count(*) FROM budget_overspend_marks WHERE escalation_id = %s", escalations[0][0]) == 2
    # Today's kill and tier marks are not fired for yesterday's overspend; February (closed, under
    # its 100) raises nothing.
    assert cal.one("SELECT active FROM budget_kill_switch") is False
    assert cal.one("SELECT count(*) FROM budget_day_marks") == 0
    assert cal.one("SELECT count(*) FROM escalations WHERE trigger_type <> 'budget_overspent'") == 0

    cal.settle(second, 1)  # 13 of 10 now: the same budgets and periods, nothing new
    assert cal.one("SELECT count(*) FROM alerts WHERE kind = 'budget.overspent'") == 2
    assert cal.one("SELECT count(*) FROM escalations WHERE trigger_type = 'budget_overspent'") == 1
    assert cal.one("SELECT count(*) FROM budget_stripe_mismatches") == 0

    # 92 days on: the archive files both costs under 29 February, as the ledger booked them, and
    # the closed periods' stripes go with their cost rows.
    cal.at(datetime(2028, 6, 1, 3, 0, tzinfo=UTC))
    result = cal.one("SELECT run_retention()")
    assert result["deleted"]["cost_tracking"] == 2
    assert cal.all("SELECT day::text, service_name, total_cost, request_count FROM cost_daily_totals") == [
        ("2028-02-29", "svc", 13, 2)]
    assert cal.one("SELECT count(*) FROM budget_stripes WHERE period_start IN ('2028-02-29', '2028-02-01')") == 0
    assert result["deleted"]["budget_stripes"] >= 8 + 1 + 1
    assert cal.one("SELECT spent FROM budget_ledger WHERE budget_day = '2028-02-29'") == 13
    assert cal.one("SELECT count(*) FROM budget_stripe_mismatches") == 0


@pytest.mark.parametrize(("day", "hours"), [("2030-03-10", 23), ("2030-11-03", 25)], ids=["dst_start", "dst_end"])
def test_new_york_dst_days_reserve_settle_and_expire_on_their_instants(cal: Calendar, day: str, hours: int) -> None:
    start = datetime.fromisoformat(day).replace(tzinfo=NY).astimezone(UTC)  # midnight there; UTC arithmetic below
    cal.at(start + timedelta(hours=12))
    cal.one("""SELECT update_config('budget_timezone', '"America/New_York"')""")
    window = cal.all("SELECT budget_day::text, starts_at, ends_at FROM budget_window()")[0]
    assert window[0] == day and window[2] - window[1] == timedelta(hours=hours)
    assert window[1] == start

    # The day's last second and the next day's first, on either side of midnight New York time.
    end = start + timedelta(hours=hours)  # an exact duration: the next midnight
    assert end.astimezone(NY).hour == 0
    cal.at(end - timedelta(seconds=1))
    late = cal.reserve(2, "svc")
    assert late["budgetDay"] == day
    assert datetime.fromisoformat(late["expiresAt"]) == end - timedelta(seconds=1) + timedelta(minutes=15)
    cal.at(end + timedelta(seconds=1))
    early = cal.reserve(1, "svc")
    assert early["budgetDay"] == (datetime.fromisoformat(day) + timedelta(days=1)).date().isoformat()
    assert cal.settle(late, 3)["budgetDay"] == day
    assert cal.one("SELECT spent FROM budget_ledger WHERE budget_day = %s::date", day) == 3

    # Expiry in the hour the clocks change: due exactly TTL (15 min) after the reservation.
    reserved_at = start + timedelta(hours=1, minutes=55)  # 01:55 local, 5 minutes before the change
    cal.at(reserved_at)
    doomed = cal.reserve(1, "svc")
    cal.at(reserved_at + timedelta(minutes=15) - timedelta(seconds=1))
    assert cal.one("SELECT expire_reservations()") == 0
    cal.at(reserved_at + timedelta(minutes=15))
    assert cal.one("SELECT expire_reservations()") == 1
    assert cal.one("SELECT status FROM budget_reservations WHERE id = %s", doomed["reservationId"]) == "expired"
    assert cal.one("SELECT reserved FROM budget_ledger WHERE budget_day = %s::date", day) == 0
    assert cal.one("SELECT count(*) FROM budget_stripe_mismatches") == 0


def test_a_day_long_reservation_ttl_is_24_hours_from_any_session_zone(cal: Calendar) -> None:
    cal.at(datetime(2030, 3, 9, 12, 0, tzinfo=NY))
    cal.one("""SELECT update_config('reservation_ttl', '"1 day"')""")
    with psycopg.connect(cal.url, autocommit=True, options="-c TimeZone=America/New_York") as ny:
        row = ny.execute("SELECT check_and_reserve_budget(1, 'svc')").fetchone()
        assert row is not None
    assert datetime.fromisoformat(row[0]["expiresAt"]) == datetime(2030, 3, 10, 17, 0, tzinfo=UTC)


def test_year_end_settle_books_on_december_and_overspends_its_closed_month(cal: Calendar) -> None:
    cal.at(datetime(2028, 12, 31, 12, 0, tzinfo=UTC))
    cal.one("SELECT set_budget('project', 'apollo', 'month', 5)")
    cal.at(datetime(2028, 12, 31, 23, 50, tzinfo=UTC))
    expiring = cal.reserve(1, "svc", {"project": "apollo"})
    cal.at(datetime(2028, 12, 31, 23, 59, 58, tzinfo=UTC))
    december = cal.reserve(3, "svc", {"project": "apollo"})
    assert december["budgetDay"] == "2028-12-31"

    cal.at(datetime(2029, 1, 1, 0, 0, 1, tzinfo=UTC))
    assert cal.settle(december, 6)["budgetDay"] == "2028-12-31"
    alerts = cal.all("SELECT context FROM alerts WHERE kind = 'budget.overspent'")
    assert [(a[0]["scope"], a[0]["key"], a[0]["period"], a[0]["periodStart"], a[0]["limit"], a[0]["spent"])
            for a in alerts] == [("project", "apollo", "month", "2028-12-01", 5, 6)]
    assert cal.one("SELECT count(*) FROM escalations WHERE trigger_type = 'budget_overspent'") == 1

    january = cal.reserve(3, "svc", {"project": "apollo"})  # a new month: December's spend does not count
    assert january["canProceed"] and january["budgetDay"] == "2029-01-01"
    assert cal.all("SELECT period_start::text, spent, reserved FROM budget_usage('project')") == [("2029-01-01", 0, 3)]

    cal.at(datetime(2029, 1, 1, 0, 5, tzinfo=UTC))
    assert cal.one("SELECT expire_reservations()") == 1
    assert cal.one("SELECT status FROM budget_reservations WHERE id = %s", expiring["reservationId"]) == "expired"
    assert cal.one("SELECT reserved FROM budget_ledger WHERE budget_day = '2028-12-31'") == 0
    assert cal.one("SELECT count(*) FROM budget_stripe_mismatches") == 0


@pytest.mark.parametrize("zone", ["America/New_York", "UTC", "Asia/Kolkata"])
@pytest.mark.parametrize("now", [datetime(2030, 3, 10, 12, 0, tzinfo=NY), datetime(2030, 11, 3, 12, 0, tzinfo=NY)],
                         ids=["dst_start", "dst_end"])
def test_retention_cutoff_is_the_same_from_any_session_zone(cal: Calendar, zone: str, now: datetime) -> None:
    now = now.astimezone(UTC)  # ages below are exact durations (Python's aware arithmetic is wall-clock)
    cal.at(now)
    cal.run("""UPDATE system_config SET value = '"90 days"' WHERE key = 'job_runs_retention'""")
    cal.run("DELETE FROM job_runs")
    for age in (timedelta(days=90) - timedelta(minutes=10), timedelta(days=90) + timedelta(minutes=30)):
        cal.one("""INSERT INTO job_runs (job_name, holder, scheduled_for, started_at, finished_at, outcome)
                   VALUES ('retention', 'r', %s, %s, %s, 'succeeded') RETURNING id""", now - age, now - age, now - age)
    with psycopg.connect(cal.url, autocommit=True, options=f"-c TimeZone={zone}") as session:
        result = session.execute("SELECT run_retention()").fetchone()
        assert result is not None
    assert result[0]["deleted"]["job_runs"] == 1
    kept = cal.one("SELECT started_at FROM job_runs")
    assert kept == now - (timedelta(days=90) - timedelta(minutes=10))
