"""Benchmark microgr810 against micrograd 0.1.0, PyTorch scalars and plain floats, in one run.

    python3 benchmarks/run.py            # everything; table to stdout and benchmarks/RESULTS.md
    python3 benchmarks/run.py --quick    # fewer repeats, smaller chains: benchmarks/results/quick.md

Two kinds of workload (workloads.py): plain ops (a user's code: Value(...), + - * / **,
relu/sigmoid/log, backward()) and fused (each library's own model code; microgr810's MLP makes one
`linear` node per neuron). Every timed workload runs all engines in this one process, with the
garbage collector on as users have it (nothing here turns it off), the engines alternating: one call
of each in turn, repeated, after one warm-up call each. Times are medians of CPU time
(time.process_time). Memory runs each engine in a fresh process (resident growth per recorded op).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]  # the workloads, and this checkout's microgr810

import adapters  # noqa: E402
import workloads  # noqa: E402

ENGINES = list(adapters.ENGINES)  # microgr810, micrograd, torch, floats
GRAPH_ENGINES = [n for n in ENGINES if n != "floats"]
CHAIN_SIZES = (10**3, 10**5, 10**6)
MEMORY_OPS = 300_000
NOISY = 0.10  # a cell whose repeats spread more than this around the median is flagged noisy
TOLERANCE = 1e-9  # relative: the losses of every engine must agree to this
SETTLE = 0.25  # seconds: a call shorter than this gets an untimed call just before each timed one


def median_time(fn, repeats):
    """Median CPU time of fn() over `repeats` calls after a warm-up (where_time_goes.py uses it)."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def alternate(fns, repeats):
    """Time fns (name -> callable) in turn: a warm-up call each, then `repeats` rounds of one call each.

    A timed call ends with gc.collect(): each engine pays for freeing its own garbage (micrograd's
    graphs are reference cycles that only the collector frees, and its users pay that at the next
    full collection; microgr810 and torch free theirs by reference counting inside the call) and
    no engine pays for another's. What the collection costs anyway (a second one right after, with
    nothing to free: the scan of the live objects, ~1 ms) is not counted. An engine whose call is
    short (under SETTLE seconds) gets one more untimed call just before each timed one: on this
    machine whatever runs right after a heavy engine (a torch step) runs up to 3x slower for its
    first ~10 ms, which would swamp a 4 ms call.

    Returns name -> {"times": CPU seconds (call + freeing), "gc": the freeing part,
    "wall": seconds, "outs": the results of the first two calls} or {"error": ...} when a call
    raised (the engine then leaves the rotation).
    """
    res = {name: {"times": [], "wall": [], "gc": [], "outs": []} for name in fns}
    live = dict(fns)
    short = set()

    def call(name, timed):
        try:
            w0, t0 = time.perf_counter(), time.process_time()
            out = live[name]()
            t1 = time.process_time()
            gc.collect()
            t2, w2 = time.process_time(), time.perf_counter()
            gc.collect()  # nothing left to free: what a collection costs anyway (scanning live objects)
            t3 = time.process_time()
        except (RecursionError, MemoryError, NotImplementedError) as e:
            res[name] = {"error": type(e).__name__}
            del live[name]
            short.discard(name)
            return
        r = res[name]
        if len(r["outs"]) < 2:
            r["outs"].append(out if isinstance(out, float) else float(out))
        freeing = max(0.0, (t2 - t1) - (t3 - t2))  # the collection's cost due to this call's garbage
        if timed:
            r["times"].append(t1 - t0 + freeing)
            r["gc"].append(freeing)
            r["wall"].append(w2 - w0)
        elif t2 - t0 < SETTLE:
            short.add(name)

    for name in list(live):
        call(name, False)
    for _ in range(repeats):
        for name in list(live):
            if name in short:
                call(name, False)
            if name in live:
                call(name, True)
    return res


def ensure_micrograd():
    """micrograd is a benchmark-only dependency: install it here, into the running interpreter."""
    try:
        import micrograd  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "micrograd==0.1.0"], check=False)


# -- memory: each engine in a fresh process ------------------------------------------------------


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def child_memory(kind, engine, n):
    """Resident memory growth per recorded op while building (not differentiating) a chain.

    plain: n/2 steps of v = v * 1.0 + x (two recorded ops a step); fused: n/3 of relu(x * w + b).
    """
    E = adapters.load(engine)
    E.has_backward = False
    if kind == "plain":
        workloads.plain_chain(E, 3000)  # warm-up: imports, caches
        gc.collect()
        before = rss_bytes()
        V = E.plain_value
        x, v = V(0.5), V(1.0)
        for _ in range(n // 2):
            v = v * 1.0 + x
        return {"bytes_per_op": (rss_bytes() - before) / (n // 2 * 2)}
    workloads.chain(E, 3000)
    gc.collect()
    before = rss_bytes()
    w, b, x = E.leaf(0.9), E.leaf(0.1), E.leaf(1.0)
    for _ in range(n // 3):
        x = E.relu(x * w + b)
    return {"bytes_per_op": (rss_bytes() - before) / (n // 3 * 3)}


def in_child(*args):
    out = subprocess.run([sys.executable, __file__, "--child", *map(str, args)], capture_output=True, text=True)
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or [f"exit code {out.returncode}"])[-1]
        return {"error": f"crashed ({last[:60]})"}
    return json.loads(out.stdout)


# -- formatting --------------------------------------------------------------------------------


def fmt_time(t):
    if t is None:
        return "n/a"
    if isinstance(t, str):
        return t
    if t < 1e-3:
        return f"{t * 1e6:.3g} µs"
    return f"{t * 1e3:.3g} ms" if t < 1 else f"{t:.3g} s"


def fmt_bytes(b):
    return f"{b:.0f} B" if isinstance(b, float) else (b or "n/a")


def paired_ratio(a, b):
    """Median over rounds of a's time / b's time in the same round (they ran back to back, so a
    slow spell of the shared machine hits both): steadier than the ratio of the two medians."""
    if not (isinstance(a, list) and isinstance(b, list)) or not a or len(a) != len(b):
        return None
    return statistics.median(x / y for x, y in zip(a, b))


def cpu_model():
    try:
        for ln in Path("/proc/cpuinfo").read_text().splitlines():
            if ln.startswith("model name"):
                return ln.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


# -- the run -----------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument(
        "--no-freeze",
        action="store_true",
        help="do not gc.freeze() the libraries' import-time objects (see NOTES.md, round 2)",
    )
    ap.add_argument("--child", nargs="+")
    args = ap.parse_args()
    if args.child:
        kind, engine, n = args.child
        print(json.dumps(child_memory(kind, engine, int(n))))
        return

    ensure_micrograd()
    gc.enable()  # as users have it; nothing below turns it off
    reps = 2 if args.quick else 9
    ref_reps = 2 if args.quick else 21  # a reference call is a few ms: more repeats, cheaply
    chain_reps = 2 if args.quick else 5
    chain_sizes = CHAIN_SIZES[:2] if args.quick else CHAIN_SIZES
    memory_ops = MEMORY_OPS // 10 if args.quick else MEMORY_OPS
    engines = {name: adapters.load(name) for name in ENGINES}
    shown = [n for n in ENGINES if engines[n]]
    # The GC stays on. Only the objects that exist now (the four libraries' modules, ~170,000 with
    # torch, against ~24,000 in a process that imports microgr810 alone) are moved out of its reach:
    # otherwise every full collection during a microgr810 step would also scan torch's modules, which
    # a microgr810 user does not have (plain demo step before round 2: 290 ms against 175 ms in a
    # microgr810-only process; frozen: 160 ms). The workloads' own objects stay collectable.
    frozen = not args.no_freeze
    if frozen:
        gc.collect()
        gc.freeze()
    load_before = os.getloadavg()
    started = datetime.datetime.now(datetime.UTC)

    cells = {}  # (row key, engine) -> seconds, bytes, or an error string
    spread = {}  # (row key, engine) -> (max - min) / median of the repeats
    outs = {}  # row key -> {engine: [results]}
    rounds = {}  # (row key, engine) -> the times of each round, in order
    cleanup = {}  # (row key, engine) -> median time of the gc.collect() ending a call (per datapoint for ref)

    def timed_row(key, make, engine_names, repeats, per=1):
        fns = {}
        for name in engine_names:
            E = engines.get(name)
            if E is None:
                continue
            try:
                fns[name] = make(E)
            except NotImplementedError:
                cells[key, name] = "n/a"
        res = alternate(fns, repeats)
        del fns
        outs[key] = {}
        for name, r in res.items():
            if "error" in r:
                cells[key, name] = r["error"]
                continue
            med = statistics.median(r["times"])
            cells[key, name] = med / per
            spread[key, name] = (max(r["times"]) - min(r["times"])) / med if med > 0 else 0.0
            cleanup[key, name] = statistics.median(r["gc"]) / per
            rounds[key, name] = r["times"]
            outs[key][name] = r["outs"]
        print(
            f"{key}: " + ", ".join(f"{n} {fmt_time(cells.get((key, n)))}" for n in engine_names if engines.get(n)),
            file=sys.stderr,
            flush=True,
        )

    timed_row("plain_demo", workloads.PlainDemoStep, ENGINES, reps)
    timed_row("plain_ref", workloads.PlainReferenceGradient, ENGINES, ref_reps, per=20)
    timed_row("fused_demo", workloads.DemoStep, ENGINES, reps)
    timed_row("fused_ref", workloads.ReferenceGradient, ENGINES, ref_reps, per=20)
    for n in chain_sizes:
        timed_row(f"chain{n}", lambda E, n=n: lambda: workloads.chain(E, n), GRAPH_ENGINES, chain_reps)
    for kind in ("plain", "fused"):
        for name in GRAPH_ENGINES:
            if engines[name] is not None:
                r = in_child(kind, name, memory_ops)
                cells[f"{kind}_memory", name] = r.get("bytes_per_op", r.get("error"))
        print(f"{kind} memory done", file=sys.stderr, flush=True)
    load_after = os.getloadavg()

    # the same numbers in, the same loss out: the engines run the same workload (demo: also the loss
    # after one SGD step, so the gradients agree too)
    mismatches = []
    for key, by_engine in outs.items():
        ref = by_engine.get("microgr810")
        if not ref:
            continue
        for name, got in by_engine.items():
            n = 1 if name == "floats" or key.startswith("chain") else 2
            for i, (a, b) in enumerate(zip(got[:n], ref[:n])):
                a, b = float(a if not hasattr(a, "item") else a.item()), float(b)
                if not abs(a - b) <= TOLERANCE * max(1.0, abs(b)):
                    mismatches.append(f"{key} call {i + 1}: {name} {a!r} vs microgr810 {b!r}")
    for m in mismatches:
        print("MISMATCH:", m, file=sys.stderr)

    # -- the tables --
    def c(key, name):
        return cells.get((key, name))

    def ratio(key, a, b):
        return paired_ratio(rounds.get((key, a)), rounds.get((key, b)))

    def line(label, key, fmt=fmt_time, floats_too=True):
        row = []
        for name in shown:
            if name == "floats" and not floats_too:
                row.append("-")
                continue
            v = c(key, name)
            s = fmt(v)
            if isinstance(v, float) and spread.get((key, name), 0.0) > NOISY:
                s += " *"
            row.append(s)
        return f"| {label} | " + " | ".join(row) + " |"

    header = ["| workload | " + " | ".join(shown) + " |", "|---" * (1 + len(shown)) + "|"]
    table = header + [
        "| **plain ops** (Value(...), + - * / **, relu/sigmoid/log, backward()) |" + " |" * len(shown),
        line("demo step: MLP 2-16-16-1, 100 moons, SVM loss + L2, fwd+bwd+SGD (floats: fwd only)", "plain_demo"),
        line("reference net M=3 H=4, sigmoid, BCE, per datapoint (fwd+bwd)", "plain_ref"),
        line("memory per recorded op, chain v = v*1.0 + x", "plain_memory", fmt_bytes, False),
        "| **fused** (each library's model code: microgr810's MLP with `linear` nodes, micrograd's MLP) |"
        + " |" * len(shown),
        line("demo step (same workload, each library's MLP)", "fused_demo"),
        line("reference net M=8 H=32, per datapoint (fwd+bwd)", "fused_ref"),
        *(
            line(f"chain of 10^{len(str(n)) - 1} ops relu(x*w + b), fwd+bwd", f"chain{n}", floats_too=False)
            for n in chain_sizes
        ),
        line("memory per recorded op, chain relu(x*w + b)", "fused_memory", fmt_bytes, False),
    ]

    top = str(chain_sizes[-1])
    targets = [
        (
            "plain: demo step, micrograd / microgr810",
            ">= 12x",
            ratio("plain_demo", "micrograd", "microgr810"),
            lambda r: r >= 12,
            "x",
        ),
        (
            "plain: reference gradient, torch / microgr810",
            ">= 12x",
            ratio("plain_ref", "torch", "microgr810"),
            lambda r: r >= 12,
            "x",
        ),
        (
            "plain: bytes per recorded op, chain v = v*1.0 + x",
            "<= 150 B",
            c("plain_memory", "microgr810"),
            lambda b: b <= 150,
            " B",
        ),
        (
            "plain: demo step, microgr810 / floats forward",
            "<= 25x",
            ratio("plain_demo", "microgr810", "floats"),
            lambda r: r <= 25,
            "x",
        ),
        (
            "fused: demo step, micrograd's MLP / microgr810's MLP",
            ">= 70x",
            ratio("fused_demo", "micrograd", "microgr810"),
            lambda r: r >= 70,
            "x",
        ),
        (f"fused: 10^{len(top) - 1}-op chain works", "works", c(f"chain{top}", "microgr810"), lambda t: True, None),
    ]
    ttable = ["| target | goal | this run | |", "|---|---|---|---|"]
    for label, goal, v, ok, unit in targets:
        if not isinstance(v, float):
            shown_v, verdict = str(v), "MISS"
        elif unit is None:
            shown_v, verdict = f"yes ({fmt_time(v)})", "PASS"
        else:
            shown_v, verdict = (f"{v:.1f}x" if unit == "x" else f"{v:.0f} B"), "PASS" if ok(v) else "MISS"
        ttable.append(f"| {label} | {goal} | {shown_v} | {verdict} |")

    noisy = [f"{k} {n} ±{spread[k, n] * 50:.0f} %" for (k, n) in sorted(spread) if spread[k, n] > NOISY]
    versions = ", ".join(f"{n} {engines[n].version}" for n in ("microgr810", "micrograd", "torch") if engines[n])
    try:
        commit = subprocess.run(
            ["git", "-C", str(HERE), "log", "-1", "--format=%h"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = "?"
    method = (
        "Written by `benchmarks/run.py` (`make bench`), one run: every engine in one process, alternating, "
        "the garbage collector on as users have it. Medians of CPU time (`time.process_time`) of "
        f"{reps} calls after a warm-up ({ref_reps} for the reference nets, {chain_reps} for chains). Each "
        "timed call ends with `gc.collect()`, so that each engine pays for freeing its own garbage and no "
        "engine pays for another's (only micrograd leaves reference cycles, which only the collector "
        "frees; counted: that collection minus one right after it with nothing to free); an engine whose "
        "call is under 0.25 s gets one untimed call right before each timed one (on this machine the "
        "first ~10 ms after a heavy torch step run up to 3x slower). "
        + (
            "The libraries' import-time objects are frozen (`gc.freeze()` after loading them) so that no "
            "engine's collections scan the other libraries' modules. "
            if frozen
            else "Run with --no-freeze: every engine's collections also scan all four libraries' modules. "
        )
        + "Memory: resident growth per recorded op while building "
        f"a {memory_ops:,}-op chain, each engine in a fresh process."
    )
    run_line = (
        f"Run: {started:%Y-%m-%d %H:%M} UTC, microgr810 at {commit} (the tree's last commit). "
        f"Machine: {os.cpu_count()} cores, {cpu_model()}, Python {platform.python_version()}, "
        f"{platform.system()}; {versions}. Load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after (other jobs share this machine)."
    )
    text = (
        "\n".join(
            [
                "# Benchmark results",
                "",
                method,
                "",
                run_line,
                "",
                *table,
                "",
                (
                    "Ratios in the targets are medians of per-round ratios (the two engines ran back to back in each "
                    "round), so they can differ a little from the ratio of the medians in the table."
                ),
                "",
                "`*`: noisy, the repeats spread more than ±5 % around the median"
                + (f" ({'; '.join(noisy)})." if noisy else " (none in this run)."),
                "",
                *ttable,
                "",
                "Of those times, freeing garbage in the `gc.collect()` that ends each call: "
                + "; ".join(
                    f"{k} {n} {fmt_time(v)}"
                    for (k, n), v in sorted(cleanup.items())
                    if isinstance(v, float) and k.endswith("demo") and n != "floats"
                )
                + ".",
                "",
                "Losses: "
                + (
                    "every engine's loss agrees with microgr810's to 1e-9 (demo: before and after one SGD "
                    "step, so the gradients agree too; chains: the output), so they run the same workload."
                    if not mismatches
                    else "MISMATCH: " + "; ".join(mismatches)
                ),
                "",
                (
                    "Plain ops: the workload's code is the same for every engine (`workloads.py`): `Value(...)` is "
                    "microgr810's or micrograd's Value, a 0-d float64 torch tensor with requires_grad (one thread), or "
                    "a float; a neuron is `sum(w*x for ...) + b`; inputs are wrapped in `Value(...)` each step, as in "
                    "micrograd's demo notebook. micrograd 0.1.0 has no sigmoid/exp/log, so it cannot run the reference "
                    "network (n/a). Fused: microgr810's `nn.MLP` (one `linear` node per neuron, `add_n` sums, "
                    "`losses.bce`), micrograd's `nn.MLP`, torch and floats the generic neuron. micrograd runs at "
                    "Python's default recursion limit (1000), as its users get it: its recursive sort fails on chains."
                ),
            ]
        )
        + "\n"
    )
    print(text)
    out = HERE / ("results/quick.md" if args.quick else "RESULTS.md")
    out.parent.mkdir(exist_ok=True)
    out.write_text(text)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "latest.json").write_text(
        json.dumps(
            {
                "cells": {f"{k}|{n}": v for (k, n), v in cells.items()},
                "spread": {f"{k}|{n}": v for (k, n), v in spread.items()},
                "rounds": {f"{k}|{n}": v for (k, n), v in rounds.items()},
                "load": [load_before, load_after],
                "gc_collect_part": {f"{k}|{n}": v for (k, n), v in cleanup.items()},
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
