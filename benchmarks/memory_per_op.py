"""microgr810's resident memory per recorded op, by op, each in a fresh process.

python3 benchmarks/memory_per_op.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STEPS = {  # one op per step, each on the previous result (the last one: two ops a step)
    "x * w": lambda x, w: x * w,
    "x + w": lambda x, w: x + w,
    "x.tanh()": lambda x, w: x.tanh(),
    "x.relu()": lambda x, w: x.relu(),
    "x.exp()": lambda x, w: x.exp(),
    "x * 0.5 (a number)": lambda x, w: x * 0.5,
    "x * 1.0 + w (2 ops)": lambda x, w: x * 1.0 + w,
}
OPS_PER_STEP = {"x * 1.0 + w (2 ops)": 2}
N = 300_000


def measure(key):
    import gc

    from run import rss_bytes

    from microgr810 import Value

    step = STEPS[key]
    w, x = Value(0.999), Value(0.5)
    gc.collect()
    before = rss_bytes()
    for _ in range(N):
        x = step(x, w)
    return (rss_bytes() - before) / (N * OPS_PER_STEP.get(key, 1))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print(measure(sys.argv[1]))
    else:
        for key in STEPS:
            out = subprocess.run([sys.executable, __file__, key], capture_output=True, text=True, check=True)
            print(f"{key:>20}: {float(out.stdout):6.0f} B/op")
