"""`python -m bench <benchmark> [options]`: each benchmark prints one JSON object as its last line.

Add a benchmark by adding its module to BENCHMARKS; the module has `main(argv) -> int`.
"""

from __future__ import annotations

import importlib
import sys

# name -> (module, one-line description)
BENCHMARKS: dict[str, tuple[str, str]] = {
    "broadcast": ("bench.broadcast", "the broadcast sender against the fake Bot API server"),
    "crash": ("bench.crash", "kill -9 during questionnaires and a broadcast; nothing lost"),
    "intake": ("bench.intake", "families applying concurrently, vs a bare PTB echo bot"),
    "generate": ("bench.generate", "fill a database with a country's worth of data"),
    "queries": ("bench.queries", "caseworker queue, /app, /find and exports on a large database"),
}


def usage() -> str:
    lines = ["usage: python -m bench <benchmark> [options]", "", "benchmarks:"]
    lines += [f"  {name:<12} {description}" for name, (_, description) in BENCHMARKS.items()]
    lines.append("\n`python -m bench <benchmark> --help` lists its options.")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in BENCHMARKS:
        print(f"unknown benchmark {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(BENCHMARKS[name][0])
    result: int = module.main(rest)
    return result


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
