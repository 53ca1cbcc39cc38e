"""Rebuild the README's pictures:

    python tools/readme_pictures.py [OUTDIR]        (default: docs/images)

reference-graph.svg/png: the reference loss (M=2, H=2) with W1[0,1]'s chain-rule path lit and ∂out/∂in on
the edges; mlp-collapsed.svg/png: Karpathy's MLP(3, [4, 4, 1]) on one input with an MSE loss, a box per
neuron; stepper.png: the reference net's stepper page after 3 steps in a 1280 x 800 window (a screenshot by
headless Chromium, skipped with a note when `chromium` is not on PATH). PNGs at 110 dpi.
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from circuit_pictures import write  # noqa: E402  (atomic: a temp file in the same folder, then os.replace)

from microgr810 import draw, stepper  # noqa: E402
from microgr810.core.nn import MLP  # noqa: E402
from microgr810.teaching.reference import ReferenceProblem  # noqa: E402


def graphs(out: Path) -> None:
    net, L = ReferenceProblem.random(2, 2, seed=0, y=1.0).autograd()
    mlp = MLP(3, [4, 4, 1], seed=0)
    loss = (mlp([2.0, 3.0, -1.0]) - 1.0) ** 2  # one output neuron: a Value
    loss.label = "loss"
    loss.backward()
    for name, g in (
        ("reference-graph", draw(L, highlight="W1[0,1]", show_local=True, parameters=net.parameters())),
        ("mlp-collapsed", draw(loss, collapse=True, rankdir="TB", parameters=mlp.parameters())),
    ):
        write(out / f"{name}.svg", g.pipe(format="svg"))
        g.graph_attr["dpi"] = "110"
        write(out / f"{name}.png", g.pipe(format="png"))
        print("wrote", out / f"{name}.svg", out / f"{name}.png")


def stepper_page(out: Path, step: int = 3) -> None:
    exe = shutil.which("chromium")
    if exe is None:
        print("skipped stepper.png: it is a screenshot by Chromium, which is not on PATH as `chromium`")
        return
    p = ReferenceProblem.random(2, 2, seed=0, y=1.0)
    net = p.network()
    with tempfile.TemporaryDirectory() as tmp:
        page = stepper(p.loss(net), parameters=net.parameters()).save(Path(tmp) / "stepper.html")
        shot = Path(tmp) / "stepper.png"
        subprocess.run(
            [
                exe,
                "--headless",
                "--disable-gpu",
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={Path(tmp) / 'profile'}",
                "--hide-scrollbars",
                "--window-size=1280,800",
                f"--screenshot={shot}",
                f"{page.as_uri()}#step={step}",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        write(out / "stepper.png", shot.read_bytes())
    print("wrote", out / "stepper.png")


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    graphs(out)
    stepper_page(out)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/images"))
