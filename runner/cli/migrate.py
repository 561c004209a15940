"""`moose migrate`: pending migrations, then every domain's behaviour files (runner/migrations.py)."""

from __future__ import annotations

import click

from runner import settings
from runner.cli.context import Context, pass_context
from runner.db import redact
from runner.migrations import MigrationError, migrate, plan


@click.command("migrate")
@click.option("--dry-run", is_flag=True, help="List what would run, change nothing.")
@pass_context
def migrate_command(ctx: Context, dry_run: bool) -> None:
    """Apply pending migrations from db/migrations, then re-apply every domain's functions,
    views and triggers (db/{functions,views,triggers}/<domain>), in one transaction under one
    lock: a failure at any step keeps nothing of the run and names the file and line."""
    url = ctx.url()
    try:
        if dry_run:
            pending = plan(url)
            click.echo(f"pending migrations: {len(pending.pending_migrations)}")
            for name in pending.pending_migrations:
                click.echo(f"  {name}")
            click.echo(f"behaviour files to re-apply: {len(pending.behaviour_files)}")
            for path in pending.behaviour_files:
                click.echo(f"  {path.relative_to(settings.PROJECT_ROOT)}")
            return
        click.echo(f"migrating {redact(url)}")
        applied = migrate(url, echo=click.echo)
    except MigrationError as error:
        raise click.ClickException("migration failed, nothing of this run was kept (the database is as it was):\n"
                                   f"{error}") from error
    click.echo(f"done: {len(applied)} migration(s) applied")


COMMANDS = (migrate_command,)
