"""Sampling a benchmarked child process with py-spy (optional: `pip install py-spy`).

py-spy samples from outside the process, so the bot runs unmodified; `--nonblocking` keeps it
from pausing the bot at each sample, which would otherwise slow the run being measured.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path


def py_spy_path() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"  # installed in the virtualenv
    return str(beside) if beside.exists() else shutil.which("py-spy")


class PySpy:
    """`py-spy record` on a pid until stop(); the format follows the output's suffix:
    .svg a flame graph, .json speedscope, anything else collapsed stacks (text)."""

    def __init__(self, pid: int, output: Path, rate: int = 100, gil: bool = True) -> None:
        binary = py_spy_path()
        if binary is None:
            raise RuntimeError("py-spy is not installed (pip install py-spy)")
        fmt = {".svg": "flamegraph", ".json": "speedscope"}.get(output.suffix, "raw")
        self.output = output
        self.raw = fmt == "raw"
        args = [binary, "record", "--pid", str(pid), "--output", str(output), "--format", fmt]
        args += ["--rate", str(rate), "--nonblocking"]
        if gil:  # only samples that hold the GIL: where the CPU goes, not who waits
            args.append("--gil")
        self._proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def stop(self) -> None:
        """Ends sampling; py-spy writes its file on SIGINT."""
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGINT)
        try:
            self._proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()


def top_frames(collapsed: Path, limit: int = 20) -> list[tuple[str, float, float]]:
    """(frame, self %, total %) of the busiest frames in a collapsed-stacks file."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = stack.split(";")
        samples += count
        own[frames[-1]] += count
        for frame in set(frames):  # a recursive frame counts once per sample
            total[frame] += count
    if samples == 0:
        return []
    return [
        (frame, 100.0 * count / samples, 100.0 * total[frame] / samples)
        for frame, count in own.most_common(limit)
    ]
