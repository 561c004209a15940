"""Where the tests get LiteLLM's price file (real data for `moose prices import`): the file
MOOSE_LITELLM_PRICES names, else ../shared/vendor/ beside the checkout, else a copy cached under
.moose/vendor/ taken from the pinned `litellm` wheel on PyPI (downloaded without its
dependencies: litellm is not a dependency of the project, only the JSON inside its wheel is used).
Every file found or extracted must have the sha256 committed here."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from runner import settings

LITELLM_VERSION = "1.110.2"
FILE_NAME = f"litellm-{LITELLM_VERSION}-model_prices_and_context_window.json"
# The same bytes as ../shared/vendor/<FILE_NAME> (its .sha256 file says so too).
FILE_SHA256 = "8943af58bf9f979c6a4bef815687117ffa341e462a41faed9be17b5c33d3dcc2"
WHEEL_MEMBER = "litellm/model_prices_and_context_window_backup.json"
SHARED_FILE = settings.PROJECT_ROOT.parent / "shared" / "vendor" / FILE_NAME
CACHED_FILE = settings.PROJECT_ROOT / ".moose" / "vendor" / FILE_NAME


class VendorError(RuntimeError):
    """The price file could not be found or fetched; the message says what to do."""


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _checked(path: Path, origin: str) -> Path:
    actual = sha256_of(path)
    if actual != FILE_SHA256:
        raise VendorError(f"{path} ({origin}) has sha256 {actual}, not the pinned {FILE_SHA256}: "
                          f"it is not LiteLLM {LITELLM_VERSION}'s price file")
    return path


def _pip_download(target: Path) -> None:
    """`pip download litellm==<version> --no-deps` into target, with the first pip at hand."""
    spec = [f"litellm=={LITELLM_VERSION}", "--no-deps", "--only-binary=:all:", "-d", str(target), "-q"]
    attempts: list[list[str]] = [[python, "-m", "pip", "download", *spec]
                                 for python in dict.fromkeys((sys.executable, "python3")) if shutil.which(python)]
    if shutil.which("uvx"):
        attempts.append(["uvx", "pip", "download", *spec])
    errors = []
    for argv in attempts:
        result = subprocess.run(argv, capture_output=True, text=True, check=False)
        if result.returncode == 0 and any(target.glob("litellm-*.whl")):
            return
        errors.append(f"{' '.join(argv[:3])}: {(result.stderr or result.stdout).strip()[-300:]}")
    raise VendorError(f"could not download litellm=={LITELLM_VERSION} from PyPI: " + " | ".join(errors or ["no pip"]))


def fetch_from_pypi(destination: Path = CACHED_FILE) -> Path:
    """Download the pinned wheel, extract the price file, check its sha256, keep it at destination."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="moose-litellm-") as folder:
        work = Path(folder)
        _pip_download(work)
        wheel = next(work.glob("litellm-*.whl"))
        staged = work / FILE_NAME
        with zipfile.ZipFile(wheel) as archive:
            staged.write_bytes(archive.read(WHEEL_MEMBER))
        _checked(staged, f"extracted from {wheel.name}")
        # Copy beside the destination, then rename: two test workers fetching at once both win.
        partial = destination.with_name(f".{destination.name}.{os.getpid()}")
        shutil.copyfile(staged, partial)
        os.replace(partial, destination)
    return destination


def price_file(echo: Callable[[str], None] = lambda _line: None) -> Path:
    """The checked price file: MOOSE_LITELLM_PRICES, ../shared/vendor, the .moose cache, or PyPI."""
    override = os.environ.get("MOOSE_LITELLM_PRICES")
    if override:
        path = Path(override)
        if not path.is_file():
            raise VendorError(f"MOOSE_LITELLM_PRICES={override}: no such file")
        return _checked(path, "MOOSE_LITELLM_PRICES")
    if SHARED_FILE.is_file():
        return _checked(SHARED_FILE, "../shared/vendor")
    if CACHED_FILE.is_file() and sha256_of(CACHED_FILE) == FILE_SHA256:
        return CACHED_FILE
    echo(f"LiteLLM's price file: not in ../shared/vendor, taking it from the litellm {LITELLM_VERSION} wheel on PyPI")
    return fetch_from_pypi()
