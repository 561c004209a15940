"""`moose migrate`: pending migrations, then every domain's behaviour files (runner/migrations.py)."""

from __future__ import annotations

import click

from runner import settings
from runner.cli.context import Context, pass_context
from runner.db import redact
from runner.lock_retries import DEFAULT_LOCK_RETRIES, DEFAULT_LOCK_TIMEOUT, LockRetryPolicy
from runner.migrations import MigrationError, migrate, plan


@click.command("migrate")
@click.option("--dry-run", is_flag=True, help="List what would run, change nothing.")
@click.option("--lock-timeout", type=click.FloatRange(min=0), default=DEFAULT_LOCK_TIMEOUT, show_default=True,
              metavar="SECONDS",
              help="Wait at most this long for any one lock (0: forever); the queries queued behind the "
                   "run's lock wait at most this long too.")
@click.option("--lock-retries", type=click.IntRange(min=0), default=DEFAULT_LOCK_RETRIES, show_default=True,
              metavar="N",
              help="After a lock timeout, roll the run back and try it again up to N times, waiting 1 s, "
                   "2 s, 4 s ... (at most 30 s) in between.")
@pass_context
def migrate_command(ctx: Context, dry_run: bool, lock_timeout: float, lock_retries: int) -> None:
    """Apply pending migrations from db/migrations, then re-apply every domain's functions,
    views and triggers (db/{functions,views,triggers}/<domain>), in one transaction under one
    lock: a failure at any step keeps nothing of the run and names the file and line.

    On a live database the run waits at most --lock-timeout for any lock; when it cannot get
    one (a long transaction holds it), it rolls the whole run back, says what it waited for and
    which backend holds it, and tries again with backoff, at most --lock-retries times."""
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
        applied = migrate(url, echo=click.echo,
                          policy=LockRetryPolicy(lock_timeout=lock_timeout, retries=lock_retries))
    except MigrationError as error:
        raise click.ClickException("migration failed, nothing of this run was kept (the database is as it was):\n"
                                   f"{error}") from error
    click.echo(f"done: {len(applied)} migration(s) applied")


COMMANDS = (migrate_command,)
