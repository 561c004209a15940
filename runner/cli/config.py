"""`moose config get|set`, `moose backup-config`, `moose restore-config`: the tunables in
system_config and the configuration backup (runbook 6.1). Validation, audit and the all-or-nothing
restore are in SQL (update_config, backup_config, restore_config)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
from psycopg.types.json import Jsonb

from runner.cli.context import Context, call, echo_json, pass_context, records


@click.group("config")
def config() -> None:
    """The tunables in system_config (validated and audited by the database)."""


@config.command("get")
@click.argument("key", required=False)
@click.option("--json", "as_json", is_flag=True,
              help="The rows (value, type, range, description, last change) as JSON.")
@pass_context
def config_get(ctx: Context, key: str | None, as_json: bool) -> None:
    """Show one key (or every key) with its value, type, range and description."""
    found = records(ctx, """SELECT key, value, value_type, min_value, max_value, description, updated_at, updated_by
                            FROM public.system_config WHERE %s::text IS NULL OR key = %s ORDER BY key""", (key, key))
    if key and not found:
        raise click.ClickException(f"unknown configuration key {key!r}; `moose config get` lists them")
    if as_json:
        echo_json(found)
        return
    keys = [tuple(row.values()) for row in found]
    for name, value, kind, low, high, description, updated_at, updated_by in keys:
        bounds = f" [{low}..{high}]" if low is not None or high is not None else ""
        click.echo(f"{click.style(name, bold=True)} = {json.dumps(value)}  ({kind}{bounds})")
        if key:
            click.echo(f"    {description}\n    last changed {updated_at:%Y-%m-%d %H:%M} UTC by {updated_by or '-'}")


@config.command("set")
@click.argument("key")
@click.argument("value")
@pass_context
def config_set(ctx: Context, key: str, value: str) -> None:
    """Set KEY to VALUE (JSON: 100, true, "2 hours"; a bare word is taken as a string)."""
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    result = call(ctx, "SELECT public.update_config(p_key => %s, p_value => %s)", (key, Jsonb(parsed)))
    assert isinstance(result, dict)
    click.echo(f"{result['key']} = {json.dumps(result['value'])}")


# -- moose backup-config / restore-config --------------------------------------------------

@click.command("backup-config")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (mode 0600: it holds channel secrets); default stdout.")
@pass_context
def backup_config(ctx: Context, output: Path | None) -> None:
    """Export config, escalation policies, alert channels and the model price history as one JSON
    document (runbook 6.1)."""
    document = call(ctx, "SELECT public.backup_config()")
    text = json.dumps(document, indent=2, sort_keys=True, default=str) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    assert isinstance(document, dict)
    click.echo(f"wrote {output}: {len(document['system_config'])} config keys, "
               f"{len(document['escalation_policies'])} policies, {len(document.get('alert_channels', []))} channels, "
               f"{len(document.get('model_prices', []))} model prices",
               err=True)


@click.command("restore-config")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--dry-run", is_flag=True, help="Validate everything, write nothing.")
@pass_context
def restore_config(ctx: Context, path: str, dry_run: bool) -> None:
    """Restore a backup-config file, all or nothing: a bad entry refuses the whole restore and
    names the entry. Model prices are history: missing rows are added, a price in effect is never
    changed (a backup that differs there is refused)."""
    with click.open_file(path) as handle:
        text = handle.read()
    try:
        json.loads(text)  # checked here for a clear message; the server reads the text itself (exact numbers)
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{path} is not JSON: {error}") from error
    with click.progressbar(length=1, label="restoring" if not dry_run else "checking",
                           file=sys.stderr) as bar:
        result = call(ctx, "SELECT public.restore_config(p_document => %s::jsonb, p_dry_run => %s)",
                      (text, dry_run))
        bar.update(1)
    assert isinstance(result, dict)
    verb = "would restore" if dry_run else "restored"
    click.echo(f"{verb} {result['config_keys']} config keys, {result['escalation_policies']} policies, "
               f"{result.get('alert_channels', 0)} channels, {result.get('model_prices', 0)} model prices "
               f"({result.get('model_prices_written', 0)} written)")


COMMANDS = (config, backup_config, restore_config)
