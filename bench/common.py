"""Shared bits of the benchmarks: run a step in a fresh process and measure time and peak memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["RESULTS", "measure", "measure_command", "measure_tree", "save"]

RESULTS = Path(__file__).parent / "results"

_WRAPPER = """
import json, resource, sys, time
start = time.perf_counter()
exec(compile(sys.argv[1], "<bench>", "exec"), {"__name__": "__bench__"})
elapsed = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("BENCH " + json.dumps({"seconds": round(elapsed, 2), "peak_mb": round(peak_kib / 1024, 1)}))
"""


def measure(code: str, python: str = sys.executable) -> dict:
    """Run ``code`` in a new interpreter; return its wall time (excluding start-up) and peak RSS.

    The interpreter gets the command line's environment settings (``cib.cli.PROCESS_ENV``:
    the allocator, no BLAS thread pool), so a step that calls the library directly is
    measured as ``cib`` would run it.
    """
    from cib.cli import PROCESS_ENV

    env = {**PROCESS_ENV, **os.environ}
    start = time.perf_counter()
    proc = subprocess.run([python, "-c", _WRAPPER, code], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "failed_step.log").write_text(proc.stderr)  # a JVM's first error can be far from the end
        raise RuntimeError(f"benchmark step failed (all of its stderr: {RESULTS / 'failed_step.log'}):\n{proc.stderr[-3000:]}")
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH "))
    out = json.loads(line[6:])
    out["process_seconds"] = round(time.perf_counter() - start, 2)
    return out


def measure_command(argv: list[str], *, trace: bool = False) -> dict:
    """Run a command; return its wall time from start to exit, its CPU time and its peak RSS.

    What a person waits for at the prompt, the interpreter's start and exit
    included: how the benchmarks time the peer tools' commands. With ``trace``
    the child's resident memory is also sampled every 50 ms (``rss_trace``:
    ``[seconds since start, MB]``), for the peak of each stage.
    """
    import tempfile
    import threading

    samples: list[list[float]] = []
    with tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err)
        done = threading.Event()

        def sample() -> None:
            page = os.sysconf("SC_PAGE_SIZE")
            while not done.wait(0.05):
                try:
                    with open(f"/proc/{proc.pid}/statm") as f:
                        rss = int(f.read().split()[1]) * page
                except (OSError, IndexError, ValueError):
                    return
                samples.append([round(time.perf_counter() - start, 2), round(rss / 2**20, 1)])

        sampler = threading.Thread(target=sample, daemon=True)
        if trace:
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak, not the largest child's so far
        seconds = time.perf_counter() - start
        done.set()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"benchmark command failed ({' '.join(argv)}):\n{err.read()[-3000:]}")
    out = {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),  # steadier than wall time on a shared machine
        "peak_mb": round(usage.ru_maxrss / 1024, 1),
    }
    if trace:
        out["rss_trace"] = samples
    return out


def _tree(pid: int) -> list[int]:
    """``pid`` and every process below it (a local Spark's JVM and its workers)."""
    out, todo = [], [pid]
    while todo:
        one = todo.pop()
        out.append(one)
        try:
            for task in os.listdir(f"/proc/{one}/task"):
                with open(f"/proc/{one}/task/{task}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def _rss_and_cpu(pid: int) -> tuple[int, float]:
    """Resident KiB and CPU seconds (user + system) of one process; zeros once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            rss = next((int(ln.split()[1]) for ln in f if ln.startswith("VmRSS:")), 0)
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return rss, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0, 0.0


def measure_tree(argv: list[str], env: dict[str, str] | None = None) -> dict:
    """Run a command; its wall time, and the CPU seconds and peak resident memory of its process tree.

    The tree (the command and every process it starts: a local Spark's JVM) is
    sampled every 100 ms; its peak is the largest sum of the processes'
    resident memory at one sample. CPU is each process's last sampled figure,
    summed, or the exit's own account of the command and the children it waited
    for, whichever is larger (a process that ends between samples loses at most
    100 ms).
    """
    import threading

    cpu: dict[int, float] = {}
    peak = [0]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            total = 0
            for pid in _tree(proc.pid):
                rss, secs = _rss_and_cpu(pid)
                total += rss
                cpu[pid] = max(cpu.get(pid, 0.0), secs)
            peak[0] = max(peak[0], total)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    err = proc.stderr.read() if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"benchmark command failed ({' '.join(argv)}):\n{err[-3000:]}")
    return {
        "seconds": round(seconds, 2),
        "tree_cpu_seconds": round(max(sum(cpu.values()), usage.ru_utime + usage.ru_stime), 2),
        "peak_tree_mb": round(peak[0] / 1024, 1),
    }


def stage_peaks(trace: list[list[float]], manifest: dict, seconds: float) -> dict[str, float]:
    """Each stage's own peak: the manifest's exact figure where the stage raised the process's, else sampled.

    The stages ran one after another and end where the process's time ends,
    less half a second of exit; samples are placed in stages by the stages'
    durations counted back from there (what precedes the first, the
    interpreter's start, counts in the first), so a boundary can be off by the
    exit's time. A stage that raised the process's peak has it exactly in
    ``peak_memory_mb``.
    """
    durations = list(manifest["timings_s"].items())
    sampled: dict[str, float] = {}
    end = seconds - 0.5
    for name, secs in reversed(durations):
        begin = max(0.0, end - float(secs))
        sampled[name] = max((mb for t, mb in trace if begin <= t <= end), default=0.0)
        end = begin
    exact = manifest.get("peak_memory_mb", {})
    out, before = {}, 0.0
    for name, _ in durations:
        peak = float(exact.get(name, 0.0))
        out[name] = peak if peak > before else min(sampled[name], peak or sampled[name])
        before = max(before, peak)
    return out


def save(name: str, record: dict) -> Path:
    """Write one benchmark's figures to ``bench/results/NAME.json`` and print them."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))
    return path
