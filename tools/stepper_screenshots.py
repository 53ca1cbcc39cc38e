"""Screenshots of the stepper page at 1280x800 and 1920x1080, to look at (not committed pictures).

    python tools/stepper_screenshots.py OUTDIR [--predict]

For each of Karpathy's exp-form neuron, the reference net at M=4, H=8 with a batch of 4 and MLP(3, [4, 4, 1]):
the page after 1 and after 10 Next clicks, in a headless Chromium (tests/browser.py's client).
"""

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parent / "tests")]

from browser import launch, screenshot  # noqa: E402
from microgr810.core.files import write_atomic  # noqa: E402
from microgr810.pictures.stepper import stepper  # noqa: E402
from test_stepper_follow import GRAPHS, open_stepper  # noqa: E402


def write(path: Path, data: bytes) -> None:
    """Atomically, through the package's one writer (core.files.write_atomic)."""
    write_atomic(path, data)


def main(out: Path, predict: bool) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, launch("/usr/bin/chromium", Path(tmp) / "profile") as dt:
        for name, build in GRAPHS.items():
            page = stepper(build(), predict=predict).save(Path(tmp) / f"{name}.html")
            for window in ((1280, 800), (1920, 1080)):
                open_stepper(dt, page, window)
                for k in range(1, 11):
                    if not predict:
                        dt.eval("document.querySelector('.mg-next').click()")
                    if k in (1, 10):
                        path = out / f"{name}-{window[0]}x{window[1]}-{'predict' if predict else 'step' + str(k)}.png"
                        write(path, screenshot(dt))
                        print(path)
                    if predict:
                        break


if __name__ == "__main__":
    main(Path(sys.argv[1]), "--predict" in sys.argv)
