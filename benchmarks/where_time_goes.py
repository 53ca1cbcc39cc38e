"""Where microgr810's time goes: median times and a cProfile top list for each workload.

    python3 benchmarks/where_time_goes.py [demo|ref|chain] ...

Each workload runs in this one fresh process, the others' graphs freed, as in run.py.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import adapters  # noqa: E402
import workloads  # noqa: E402
from run import median_time  # noqa: E402

E = adapters.load("microgr810")
WORKLOADS = {
    "demo": lambda: workloads.DemoStep(E),
    "ref": lambda: workloads.ReferenceGradient(E),
    "chain": lambda: lambda: workloads.chain(E, 10**5),
}

for name in sys.argv[1:] or list(WORKLOADS):
    fn = WORKLOADS[name]()
    print(f"== {name}: median {median_time(fn, 7) * 1e3:.2f} ms")
    prof = cProfile.Profile()
    prof.runcall(fn)
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(6)
    print("\n".join(ln for ln in out.getvalue().splitlines()[4:] if ln.strip()))
    del fn
