"""Rebuild the circuit pictures of docs/notebooks-and-circuits.md (and the README's circuit):

    python tools/circuit_pictures.py [OUTDIR]        (default: docs/images)

CS231n's two examples drawn by draw(root, style="circuit"): f = (x + y) z at x = -2, y = 5, z = -4, and the
sigmoid neuron through exp; and the reference network (M=2, H=2). Each as SVG and as PNG (110 dpi).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from microgr810 import draw  # noqa: E402
from microgr810.core.files import write_atomic  # noqa: E402
from microgr810.teaching.graphs import cs231n_circuit, cs231n_neuron  # noqa: E402
from microgr810.teaching.reference import ReferenceProblem  # noqa: E402


def write(path: Path, data: bytes) -> None:
    """Atomically, through the package's one writer (core.files.write_atomic)."""
    write_atomic(path, data)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    f, neuron = cs231n_circuit(), cs231n_neuron()
    f.backward()
    neuron.backward()
    L = ReferenceProblem.random(2, 2, seed=0, y=1.0).autograd()[1]
    for name, root in (("circuit-cs231n", f), ("circuit-sigmoid-neuron", neuron), ("circuit-reference", L)):
        g = draw(root, style="circuit")
        write(out / f"{name}.svg", g.svg().encode())
        g.graph_attr["dpi"] = "110"
        write(out / f"{name}.png", g.pipe(format="png"))
        print("wrote", out / f"{name}.svg", out / f"{name}.png")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/images"))
