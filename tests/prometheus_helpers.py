"""A real Prometheus for the tests (Debian's `prometheus` package, installed by
scripts/bootstrap.sh): started on 127.0.0.1 on a free port with a temporary data folder,
scraping the given targets every second, queried through its HTTP API."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from service_helpers import wait_for


def need(tool: str) -> str:
    """The path of a Prometheus tool; skipped without it, failed under CI=true."""
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} not installed (Debian package prometheus; scripts/bootstrap.sh installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str, timeout: float = 30) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


@dataclass
class Prometheus:
    url: str

    def query(self, expr: str) -> dict[str, float]:
        """Instant query: {label set as text: value} of each series it returns."""
        status, body = http_get(f"{self.url}/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
        if status != 200:
            return {}
        answer = json.loads(body)
        return {json.dumps(item["metric"], sort_keys=True): float(item["value"][1])
                for item in answer["data"]["result"]}

    def value(self, expr: str) -> float | None:
        result = self.query(expr)
        return next(iter(result.values())) if len(result) == 1 else None

    def wait_value(self, expr: str, wanted: float, timeout: float = 60) -> None:
        wait_for(lambda: self.value(expr) == wanted, timeout=timeout, every=0.2,
                 what=f"Prometheus to say {expr} = {wanted} (last: {self.query(expr)})")


@contextmanager
def running_prometheus(targets: list[str]) -> Iterator[Prometheus]:
    binary = need("prometheus")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="moose-prom-") as folder:
        config = Path(folder) / "prometheus.yml"
        config.write_text(json.dumps({  # YAML is a superset of JSON
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "scrape_configs": [{"job_name": "moose", "scrape_interval": "1s", "scrape_timeout": "1s",
                                "static_configs": [{"targets": targets}]}]}))
        proc = subprocess.Popen([binary, f"--config.file={config}", f"--storage.tsdb.path={folder}/data",
                                 f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        prometheus = Prometheus(f"http://127.0.0.1:{port}")
        try:
            wait_for(lambda: proc.poll() is not None or http_get(f"{prometheus.url}/-/ready")[0] == 200,
                     timeout=60, what="Prometheus to be ready")
            if proc.poll() is not None:
                raise AssertionError(f"prometheus exited: {proc.stderr.read() if proc.stderr else ''}")
            yield prometheus
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
