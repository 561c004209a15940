"""`python -m bench [NAME ...]` (what `make bench` runs): every benchmark module under bench/
that defines main(), or only the ones named. Each prints its figures and ratios against a
baseline measured in the same run; docs/PERFORMANCE.md records them."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    folder = Path(__file__).parent
    names = []
    for module in pkgutil.iter_modules([str(folder)]):
        if module.name.startswith("_") or module.ispkg:
            continue
        if hasattr(importlib.import_module(f"bench.{module.name}"), "main"):
            names.append(module.name)
    return sorted(names)


def run(argv: list[str]) -> int:
    names = available()
    if any(arg in ("-h", "--help") for arg in argv):
        print(__doc__)
        print("benchmarks: " + (", ".join(names) or "none"))
        return 0
    chosen = argv or names
    unknown = [name for name in chosen if name not in names]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(names)}", file=sys.stderr)
        return 2
    for name in chosen:
        print(f"== bench {name}", flush=True)
        sys.argv = [f"python -m bench.{name}"]  # each runs with its defaults (options: python -m bench.NAME --help)
        importlib.import_module(f"bench.{name}").main()
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
