"""Benchmark microgr810 against micrograd 0.1.0, PyTorch scalars and plain floats, in one run.

    python3 benchmarks/run.py            # everything; table to stdout and benchmarks/results/latest.md
    python3 benchmarks/run.py --quick    # fewer repeats, for a smoke test

Times are medians of >= 5 runs after a warm-up. Chains and memory run each engine in a fresh
process, so a crash (RecursionError, stack overflow) or a bloated heap cannot touch the others.
"""

from __future__ import annotations

import argparse
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

ENGINES = list(adapters.ENGINES)
CHAIN_SIZES = (10**3, 10**5, 10**6)
MEMORY_OPS = 300_000


def median_time(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def ensure_micrograd():
    """micrograd is a benchmark-only dependency: install it here, into the running interpreter."""
    try:
        import micrograd  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "micrograd==0.1.0"], check=False)


# -- the parts that run in a fresh process ---------------------------------------------------

def child_chain(engine, n, repeats):
    E = adapters.load(engine)
    try:
        t = median_time(lambda: workloads.chain(E, n), repeats)
        return {"time": t}
    except (RecursionError, MemoryError) as e:
        return {"error": type(e).__name__}


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def child_memory(engine, n):
    """Resident memory growth per recorded op while building (not differentiating) a chain."""
    E = adapters.load(engine)
    E.has_backward = False
    workloads.chain(E, 3000)  # warm-up: imports, caches
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


# -- the table ----------------------------------------------------------------------------

def fmt_time(t):
    if t is None:
        return "n/a"
    if isinstance(t, str):
        return t
    return f"{t * 1e3:.3g} ms" if t < 1 else f"{t:.3g} s"


def ratio(a, b):
    return f"{a / b:.1f}x" if isinstance(a, float) and isinstance(b, float) else "n/a"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--child", nargs="+")
    args = ap.parse_args()
    if args.child:
        kind, engine, *rest = args.child
        res = child_chain(engine, int(rest[0]), int(rest[1])) if kind == "chain" else child_memory(engine, int(rest[0]))
        print(json.dumps(res))
        return

    ensure_micrograd()
    reps = 2 if args.quick else 7
    engines = {name: adapters.load(name) for name in ENGINES}
    rows = {}
    for name, E in engines.items():
        row = rows[name] = {}
        if E is None:
            continue
        for key, W in (("demo", workloads.DemoStep), ("ref", workloads.ReferenceGradient)):
            try:
                w = W(E)
            except NotImplementedError:
                row[key] = None
                continue
            row[key + "_loss"] = E.data(w.loss()) if key == "demo" else w()
            row[key] = median_time(w, reps if name != "torch" else max(reps - 2, 2))
            if key == "ref":
                row[key] /= len(w.X)  # per datapoint
        print(f"{name}: demo {fmt_time(row.get('demo'))}, ref {fmt_time(row.get('ref'))}", file=sys.stderr)
    for name in ENGINES:
        if engines[name] is None or name == "floats":
            continue
        for n in CHAIN_SIZES:
            r = 2 if args.quick else 5  # medians of >= 5 runs after a warm-up, the 10^6 chain included
            res = in_child("chain", name, n, r)
            rows[name][f"chain{n}"] = res.get("time", res.get("error"))
        rows[name]["memory"] = in_child("memory", name, MEMORY_OPS).get("bytes_per_op")
        print(f"{name}: chains and memory done", file=sys.stderr)

    # the same numbers in, the same loss out: a check that the adapters run the same workload
    ref = rows["microgr810"]
    for name, row in rows.items():
        for k in ("demo_loss", "ref_loss"):
            if k in row and abs(row[k] - ref[k]) > 1e-9 * max(1.0, abs(ref[k])):
                print(f"WARNING: {name} {k} {row[k]!r} differs from microgr810's {ref[k]!r}", file=sys.stderr)

    m = rows["microgr810"]
    lines = [
        f"Machine: {os.cpu_count()} cores ({os.popen('nproc').read().strip()} usable), "
        f"{cpu_model()}, Python {platform.python_version()}; "
        + ", ".join(f"{n} {engines[n].version}" for n in ("microgr810", "micrograd", "torch") if engines[n]),
        "",
        "| workload | " + " | ".join(n for n in ENGINES if engines[n]) + " |",
        "|---" * (1 + sum(1 for n in ENGINES if engines[n])) + "|",
    ]

    def line(label, key, f=fmt_time):
        cells = [f(rows[n].get(key)) if n != "floats" or key in ("demo", "ref") else "-" for n in ENGINES if engines[n]]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    line("demo step (fwd+bwd+SGD; floats: fwd only)", "demo")
    line("reference net, per datapoint (fwd+bwd)", "ref")
    for n in CHAIN_SIZES:
        line(f"chain of 10^{len(str(n)) - 1} ops (fwd+bwd)", f"chain{n}")
    line("memory per recorded op", "memory", lambda b: f"{b:.0f} B" if isinstance(b, float) else "n/a")
    g = lambda n, k: rows.get(n, {}).get(k)  # noqa: E731
    targets = [
        ("demo step: micrograd / microgr810 (>= 10x)", ratio(g("micrograd", "demo"), m["demo"])),
        ("reference gradient: torch / microgr810 (>= 10x)", ratio(g("torch", "ref"), m["ref"])),
        ("memory per op (<= 200 B)", f"{m['memory']:.0f} B" if m.get("memory") else "n/a"),
        ("10^6 chain survives", "yes" if isinstance(m.get("chain1000000"), float) else "NO"),
        ("demo step: microgr810 / floats forward (<= 20x)", ratio(m["demo"], g("floats", "demo"))),
    ]
    lines += ["", "| target | this run |", "|---|---|"] + [f"| {a} | {b} |" for a, b in targets]
    lines += ["", "Chain: n/3 steps of x = relu(x * w + b) (mul, add, relu: n recorded ops), then backward; "
              "memory: resident growth while building a 300,000-op chain, each engine in a fresh process. "
              "micrograd runs at Python's default recursion limit (1000), as its users get it."]
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "latest.md").write_text(text)


def cpu_model():
    try:
        for ln in open("/proc/cpuinfo"):
            if ln.startswith("model name"):
                return ln.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


if __name__ == "__main__":
    main()
