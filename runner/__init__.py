"""The `moose` runner: embedded PostgreSQL, migrations, the service loop and the test driver."""

__version__ = "0.1.0"
