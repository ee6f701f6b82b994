"""Profile ``gapmap build`` end to end by stage: wall seconds per stage, CPU, peak memory (``/usr/bin/time -v``).

Usage (from the repository root, in the environment where gapmap is installed; GNU time installed)::

    nice python benchmarks/bench_england_build.py [-- build options]

Default build options: ``--england --tiles none`` (every default kind and need estimate, sites on).
The build runs once in a fresh process with ``--debug`` (a failure shows its
traceback); each progress line on stderr is timestamped on arrival, so a
stage's seconds run from its line to the next.  Prints JSON: seconds per
stage, total wall and CPU seconds, peak RSS, exit status, the last error
line, and the load average before and after (the machine is shared).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

DEFAULT_OPTIONS = ["--england", "--tiles", "none"]
_STAGE = re.compile(r"^[^:]+: ([a-z][a-z -]+)\.\.\.$")


def main() -> None:
    """Run the build once under GNU time and print a JSON profile."""
    options = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else DEFAULT_OPTIONS
    gapmap = shutil.which("gapmap", path=os.path.dirname(sys.executable)) or "gapmap"
    before = os.getloadavg()
    with tempfile.TemporaryDirectory() as out:
        command = ["/usr/bin/time", "-v", gapmap, "--debug", "build", *options, "--out", out]
        stages: list[tuple[str, float]] = [("start-up and loading the inputs", 0.0)]
        lines: list[str] = []
        start = time.perf_counter()
        with subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True) as run:
            for line in run.stderr:  # type: ignore[union-attr]
                now, line = time.perf_counter() - start, line.rstrip()
                lines.append(line)
                found = _STAGE.match(line)
                if found:
                    stages.append((found.group(1), now))
        end = time.perf_counter() - start
    report = dict(re.findall(r"^\s*([^:]+): (.+)$", "\n".join(lines), re.M))
    ends = [t for _, t in stages[1:]] + [end]
    print(json.dumps({
        "command": " ".join(["gapmap", "build", *options]),
        "stage_s": {name: round(stop - begin, 1) for (name, begin), stop in zip(stages, ends)},
        "wall_s": round(end, 1),
        "user_s": float(report.get("User time (seconds)", "nan")),
        "system_s": float(report.get("System time (seconds)", "nan")),
        "peak_rss_mib": round(int(report.get("Maximum resident set size (kbytes)", "0")) / 1024),
        "exit_status": run.returncode,
        "last_error": next((ln for ln in reversed(lines) if "Error" in ln), None),
        "load_average_before": [round(v, 2) for v in before],
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
    }, indent=2))


if __name__ == "__main__":
    main()
