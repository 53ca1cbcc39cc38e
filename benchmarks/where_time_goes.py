"""Where microgr810's time goes: median times and a cProfile top list for each workload.

    python3 benchmarks/where_time_goes.py [plain-demo|plain-ref|plain-chain|demo|ref|chain] ...
    python3 benchmarks/where_time_goes.py --phases     # the demo steps split into phases, no profiler

--phases times each phase of a demo step with time.process_time, no profiler in the way (cProfile
inflates per-call costs and hides the sort's and backward's loops inside one call each): build
(inputs, forward, loss), zero_grad, backward (its own sort, then the walk), SGD, and dropping the
graph; with the GC time spent inside each phase. For scale, it also times the public read-only sort,
topological_order(leaves=False), on the same graph, outside the phases (backward's own sort is
faster: it marks the nodes it finds in their grad instead of keeping a set, see engine.py).

Shares are of the profiled call's total (cProfile's own overhead inflates many small calls alike).
The garbage collector stays on, as in run.py; "gc" is the time spent in collections during the call
(gc.callbacks), which cProfile charges to whatever function was running.

Each workload runs in this one fresh process, the others' graphs freed, as in run.py.
"""

from __future__ import annotations

import cProfile
import gc
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import adapters  # noqa: E402
import workloads  # noqa: E402
from run import median_time  # noqa: E402

E = adapters.load("microgr810")
WORKLOADS = {
    "plain-demo": lambda: workloads.PlainDemoStep(E),
    "plain-ref": lambda: workloads.PlainReferenceGradient(E),
    "plain-chain": lambda: lambda: E.backward(workloads.plain_chain(E, 10**5)),
    "demo": lambda: workloads.DemoStep(E),
    "ref": lambda: workloads.ReferenceGradient(E),
    "chain": lambda: lambda: workloads.chain(E, 10**5),
}

gc_time = [0.0, 0.0, 0]  # seconds in collections, start of the current one, number of collections


def _gc_watch(phase, info):
    if phase == "start":
        gc_time[1] = time.process_time()
    else:
        gc_time[0] += time.process_time() - gc_time[1]
        gc_time[2] += 1


def phases(make, repeats=9):
    """Median CPU time of each phase of a demo step (and the GC time inside it), in ms."""
    import statistics

    from microgr810.core.engine import topological_order

    w = make()
    names = ["build", "zero_grad", "backward", "sgd", "free graph"]
    rows = {n: [] for n in names}
    sorts = []
    gcs = {n: [] for n in names}
    marks = []

    def mark():
        marks.append((time.process_time(), gc_time[0]))

    for i in range(repeats + 1):
        gc.collect()
        gc.callbacks.append(_gc_watch)
        marks.clear()
        gc_time[:] = [0.0, 0.0, 0]
        mark()
        loss = w.loss()
        mark()
        t0 = time.process_time()
        topological_order(loss, leaves=False)  # for scale: not a phase of the step (marks[1] to [2])
        sorts.append(time.process_time() - t0)
        mark()
        E.zero_grad(w.params)
        mark()
        loss.backward()
        mark()
        E.sgd(w.params, w.lr)
        mark()
        del loss
        mark()
        gc.callbacks.remove(_gc_watch)
        if i == 0:
            continue  # warm-up
        del marks[1]  # the sort for scale, between the build and zero_grad
        for k, n in enumerate(names):
            (t0, g0), (t1, g1) = marks[k], marks[k + 1]
            rows[n].append(t1 - t0)
            gcs[n].append(g1 - g0)
    total = sum(statistics.median(v) for v in rows.values())
    for n in names:
        m = statistics.median(rows[n])
        print(
            f"   {n:>14}: {m * 1e3:7.2f} ms  {m / total:5.1%}   (GC inside: {statistics.median(gcs[n]) * 1e3:.2f} ms)"
        )
    print(f"   {'total':>14}: {total * 1e3:7.2f} ms")
    print(f"   (for scale: topological_order(leaves=False) on the same graph: {statistics.median(sorts) * 1e3:.2f} ms)")


def ref_phases(repeats=51):
    """The plain reference gradient per datapoint: wrap inputs, forward + loss, backward, free the graph."""
    import statistics

    from microgr810.core.engine import topological_order

    w = workloads.PlainReferenceGradient(E)
    V, sig, log = E.plain_value, w.sigmoid, w.log
    names = ["wrap inputs", "forward + loss", "backward", "free graph"]
    rows = {n: [] for n in names}
    sorts = []
    clock = time.perf_counter  # the calls are µs long: process_time's resolution is too coarse here
    for i in range(repeats + 1):
        t = [0.0] * 5
        for row, y in zip(w.X, w.y):
            t0 = clock()
            x = [V(v) for v in row]
            t1 = clock()
            h = [sig(workloads.plain_neuron(ws, x, b)) for ws, b in zip(w.W1, w.b1)]
            yh = sig(workloads.plain_neuron(w.W2, h, w.b2))
            L = -(y * log(yh) + (1.0 - y) * log(1.0 - yh))
            t2 = clock()
            L.backward()
            t3 = clock()
            topological_order(L, leaves=False)  # for scale, not a phase
            t4 = clock()
            del L, yh, h, x
            t5 = clock()
            for k, d in enumerate((t1 - t0, t2 - t1, t3 - t2, t5 - t4, t4 - t3)):
                t[k] += d
        if i:
            for k, n in enumerate(names):
                rows[n].append(t[k] / len(w.X))
            sorts.append(t[4] / len(w.X))
    total = sum(statistics.median(v) for v in rows.values())
    for n in names:
        m = statistics.median(rows[n])
        print(f"   {n:>14}: {m * 1e6:7.2f} µs  {m / total:5.1%}")
    print(f"   {'total':>14}: {total * 1e6:7.2f} µs per datapoint (wall clock, medians of {repeats})")
    print(f"   (for scale: topological_order(leaves=False) on the same graph: {statistics.median(sorts) * 1e6:.2f} µs)")


if "--phases" in sys.argv:
    for name in ("plain-demo", "demo"):
        print(f"== {name}: phases (medians of 9 steps, GC on)")
        phases(WORKLOADS[name])
    print("== plain-ref: phases per datapoint")
    ref_phases()
    sys.exit()

for name in sys.argv[1:] or list(WORKLOADS):
    fn = WORKLOADS[name]()
    med = median_time(fn, 7)
    gc.collect()
    gc_time[:] = [0.0, 0.0, 0]
    gc.callbacks.append(_gc_watch)
    t0 = time.process_time()
    fn()
    plain_total = time.process_time() - t0
    gc.callbacks.remove(_gc_watch)
    print(
        f"== {name}: median {med * 1e3:.2f} ms; one call {plain_total * 1e3:.1f} ms of which "
        f"{gc_time[0] * 1e3:.1f} ms ({gc_time[0] / plain_total:.0%}) in {gc_time[2]} garbage collections"
    )
    prof = cProfile.Profile()
    prof.runcall(fn)
    st = pstats.Stats(prof)
    total = st.total_tt
    rows = sorted(st.stats.items(), key=lambda kv: -kv[1][2])[:8]
    print(f"   cProfile total {total * 1e3:.1f} ms; by own time (tottime):")
    for (file, line, func), (_, nc, tt, _, _) in rows:
        where = f"{Path(file).name}:{line}" if line else file
        print(f"   {tt / total:6.1%}  {tt * 1e3:8.1f} ms  {nc:>8} calls  {func} ({where})")
    del fn
