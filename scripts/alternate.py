#!/usr/bin/env python3
"""Cold runs the way a nightly job has them: two or more commands run in turn, A B A B …,
so no run follows a run of itself (its pages, its allocator's huge pages, its caches are
someone else's by then). Each run's wall time, user and system CPU time and peak memory come
from the kernel's accounting of that child (wait4), not from sampling.

usage: alternate.py [--pairs N] [--json FILE] LABEL=COMMAND LABEL=COMMAND [...]

Each COMMAND is one shell word list (split with shlex); its standard output and error are
discarded. Prints per command the medians (wall, user, sys, peak RSS) and, against the first
command, the median of the pairwise wall ratios (run i of B / run i of A) — pairing the runs
cancels most of the drift of a shared machine's load. Exits 1 when a command fails.
"""

import argparse
import json
import os
import shlex
import statistics
import subprocess
import tempfile
import sys
import time


TIME = "/usr/bin/time"


def run_once(argv, scratch):
    """(wall s, user s, sys s, peak RSS MB, exit code) of one run of argv.

    The run goes through GNU time, whose own memory is a few hundred kilobytes: the kernel
    counts a process's memory from before its exec in its peak, so a child forked or spawned
    from Python would carry Python's ~15 MB into every figure."""
    fmt = "%U %S %M %x"
    start = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        code = subprocess.call(
            [TIME, "-q", "-o", scratch, "-f", fmt, *argv], stdout=devnull, stderr=devnull
        )
    wall = time.perf_counter() - start
    fields = open(scratch).read().split()[-4:]
    user, system, rss_kb, status = float(fields[0]), float(fields[1]), int(fields[2]), int(fields[3])
    return wall, user, system, rss_kb / 1024, status if code == 0 else code


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=7, help="rounds of every command (default 7)")
    parser.add_argument("--json", help="also write the raw runs and medians here")
    parser.add_argument("--ok-codes", default="0,3", help="exit codes that count as success")
    parser.add_argument("commands", nargs="+", metavar="LABEL=COMMAND")
    args = parser.parse_args()
    ok = {int(c) for c in args.ok_codes.split(",")}
    commands = []
    for spec in args.commands:
        label, sep, command = spec.partition("=")
        if not sep or not command:
            parser.error(f"expected LABEL=COMMAND, got {spec!r}")
        commands.append((label, shlex.split(command)))
    if len(commands) < 2:
        parser.error("give at least two commands to alternate")

    if not os.access(TIME, os.X_OK):
        sys.exit(f"{TIME} (GNU time) is needed: apt-get install time")
    scratch = tempfile.NamedTemporaryFile(prefix="alternate-", delete=False).name
    runs = {label: [] for label, _ in commands}
    for _ in range(args.pairs):
        for label, argv in commands:
            wall, user, system, rss, code = run_once(argv, scratch)
            if code not in ok:
                print(f"{label}: exit {code} ({shlex.join(argv)})", file=sys.stderr)
                sys.exit(1)
            runs[label].append({"wall": wall, "user": user, "sys": system, "rss_mb": rss})

    first = commands[0][0]
    summary = {}
    load = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else []
    print(f"{args.pairs} rounds, alternating {' '.join(l for l, _ in commands)}; load {' '.join(load)}")
    # The peak's range beside its median: a run's peak can fall on one of two values (issue 20,
    # docs/benchmarks.md), which a median alone hides.
    print(
        f"{'command':<34} {'wall':>8} {'user':>8} {'sys':>8} {'peak RSS':>10} {'(min-max)':>11} "
        f"{'vs ' + first:>12}"
    )
    for label, _ in commands:
        r = runs[label]
        med = {k: statistics.median(x[k] for x in r) for k in ("wall", "user", "sys", "rss_mb")}
        ratios = [b["wall"] / a["wall"] for a, b in zip(runs[first], r)]
        med["ratio_to_first"] = statistics.median(ratios)
        med["rss_mb_min"] = min(x["rss_mb"] for x in r)
        med["rss_mb_max"] = max(x["rss_mb"] for x in r)
        summary[label] = med
        spread = f"({med['rss_mb_min']:.0f}-{med['rss_mb_max']:.0f})"
        print(
            f"{label:<34} {med['wall']:>7.3f}s {med['user']:>7.3f}s {med['sys']:>7.3f}s "
            f"{med['rss_mb']:>7.0f} MB {spread:>11} {med['ratio_to_first']:>11.2f}x"
        )
    os.unlink(scratch)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"runs": runs, "medians": summary, "load": load}, out, indent=2)


if __name__ == "__main__":
    main()
