"""The server every benchmark works on: MOOSE_DATABASE_URL when set, else the embedded cluster,
which must be running."""

from __future__ import annotations

import os

from runner.embedded import EmbeddedCluster


def server_url() -> str:
    url = os.environ.get("MOOSE_DATABASE_URL")
    if url:
        return url
    cluster = EmbeddedCluster()
    if not cluster.running:
        raise SystemExit("the embedded cluster is not running: `moose db up` first (or set MOOSE_DATABASE_URL)")
    return cluster.url()
