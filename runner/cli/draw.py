"""How the CLI draws what SQL returned: colours, time spans, the budget bar, short cells, tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import click

COLOURS = {"healthy": "green", "warning": "yellow", "error": "red", "critical": "red", "normal": "green",
           "hard_cap": "yellow", "emergency_kill": "red"}


def span(seconds: int) -> str:
    if seconds >= 86400:
        return f"{seconds // 86400}d{(seconds % 86400) // 3600}h"
    if seconds >= 3600:
        return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m"
    return f"{seconds}s"


def ago(then: datetime | str | None, now: datetime) -> str:
    """"12m ago" for the past, "in 1h05m" for the future, "never" for nothing."""
    if then is None:
        return "never"
    if isinstance(then, str):
        then = datetime.fromisoformat(then)
    seconds = int((now - then).total_seconds())
    return f"{span(seconds)} ago" if seconds >= 0 else f"in {span(-seconds)}"


def sla(seconds_left: int | None) -> str:
    """"OVERDUE 1h05m", "due in 12m", or "-" for an escalation that is no longer open."""
    if seconds_left is None:
        return "-"
    return f"OVERDUE {span(-seconds_left)}" if seconds_left < 0 else f"due in {span(seconds_left)}"


def short(value: Any, width: int) -> str:
    text = "-" if value is None else str(value)
    text = text.replace("\n", " ")
    return text if len(text) <= width else text[: width - 1] + "…"


def table(columns: Sequence[tuple[str, str]], lines: Iterable[Sequence[Any]], empty: str) -> None:
    """A line of column titles, then one line a row, each cell in its column's format spec
    ("<8", ">7", "" for a last column left as it is), a column widened to its longest cell so
    the columns stay aligned; `empty` alone when there are no rows."""
    lines = list(lines)
    if not lines:
        click.echo(empty)
        return
    drawn = [[f"{title:{spec}}" for title, spec in columns]]
    drawn += [[f"{cell:{spec}}" for cell, (_title, spec) in zip(cells, columns, strict=True)] for cells in lines]
    widths = [max(len(row[i]) for row in drawn) for i in range(len(columns))]
    for row in drawn:
        click.echo(" ".join(cell if i == len(columns) - 1 and not columns[i][1] else
                            f"{cell:{'>' if columns[i][1].startswith('>') else '<'}{widths[i]}}"
                            for i, cell in enumerate(row)))


def budget_bar(budget: dict[str, Any], width: int = 30) -> str:
    """[#######-----------] 31.2% of $100 ($31.20), tier warning — drawn from budget_status()."""
    percentage = float(budget.get("percentage") or 0)
    filled = min(width, round(width * percentage / 100))
    tier = budget.get("tier") or budget.get("status") or "?"
    colour = COLOURS.get(str(tier), COLOURS.get(str(budget.get("status")), "white"))
    bar = click.style("█" * filled, fg=colour) + "░" * (width - filled)
    line = (f"[{bar}] {percentage:.1f}% of ${budget.get('limit')} (spent ${budget.get('daily_total')}"
            + (f", reserved ${budget['reserved']}" if budget.get("reserved") not in (None, 0) else "")
            + f"), tier {click.style(str(tier), fg=colour, bold=True)}")
    if budget.get("force_hard_cap_model"):
        line += click.style("\n    Every reservation is forced to the hard-cap model (budget_force_hard_cap_model)",
                            fg="yellow")
    kill = budget.get("kill_switch") or {}
    if kill.get("active"):
        line += click.style(f"\n    KILL SWITCH ON since {kill.get('killed_at')}: {kill.get('reason')}", fg="red",
                            bold=True)
    return line


def scope_bar(scope: dict[str, Any], width: int = 20) -> str:
    """One row of budget_status()'s fullest_scopes: [████░░] 85.0% service architect per day: ..."""
    percentage = float(scope.get("percentage") or 0)
    filled = min(width, round(width * percentage / 100))
    colour = "red" if percentage >= 100 else "yellow" if percentage >= 80 else "green"
    return (f"[{click.style('█' * filled, fg=colour)}{'░' * (width - filled)}] {percentage:.1f}% "
            f"{scope.get('scope')} {scope.get('key')} per {scope.get('period')}: "
            f"${scope.get('spent')} spent, ${scope.get('reserved')} reserved of ${scope.get('budget_limit')}")


def long_transaction_line(long_transactions: dict[str, Any]) -> str:
    """system_health()'s long_transactions: the oldest holder of the xmin horizon and its age,
    coloured by the level SQL gave it (ok, warning, error)."""
    oldest = long_transactions.get("oldest")
    if not oldest:
        return click.style("none", fg="green")
    kind = oldest.get("kind")
    who = f"pid {oldest.get('pid')}" if kind == "session" else f"{kind} {oldest.get('name')}"
    level = str(long_transactions.get("level"))
    text = (f"oldest {who} ({oldest.get('usename')}, {oldest.get('application_name') or '-'}, {oldest.get('state')}) "
            f"open {span(int(float(oldest.get('age_seconds') or 0)))}")
    if level != "ok":
        text += f": {short(oldest.get('query_start'), 60)}  (moose db long-transactions)"
    return click.style(text, fg={"ok": "white", "warning": "yellow"}.get(level, "red"))
