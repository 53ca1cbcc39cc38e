"""Pictures of a training run with matplotlib (Agg, so it works with no screen)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..core.files import atomic_file
from ..core.train import TrainResult

__all__ = ["plot_loss", "plot_decision_boundary", "plot_mistakes"]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(plt, fig, path: str | Path) -> None:
    """The figure as a PNG, written atomically (matplotlib writes into the temp file); the figure is closed."""
    try:
        with atomic_file(path) as f:
            fig.savefig(f, format="png")
    finally:
        plt.close(fig)


def plot_loss(result: TrainResult, path: str | Path) -> Path:
    """Loss and training accuracy per step, saved as a PNG."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=120)
    steps = np.arange(1, len(result.losses) + 1)
    ax.plot(steps, result.losses, color="#0072B2", label="loss")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (hinge + L2)")
    acc_ax = ax.twinx()
    acc_ax.plot(steps, np.array(result.accuracies) * 100, color="#D55E00", label="accuracy")
    acc_ax.set_ylabel("training accuracy (%)")
    acc_ax.set_ylim(0, 105)
    ax.set_title(f"final loss {result.losses[-1]:.4f}, accuracy {result.accuracies[-1]:.0%}")
    fig.legend(loc="center right", bbox_to_anchor=(0.85, 0.5))
    fig.tight_layout()
    _save(plt, fig, path)
    return Path(path)


def plot_decision_boundary(result: TrainResult, path: str | Path, resolution: int = 60) -> Path:
    """The data over the network's decision regions (score > 0 is class 1), saved as a PNG."""
    plt = _pyplot()
    X, y = result.X, result.y
    pad = 0.5
    xs = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution)
    ys = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution)
    gx, gy = np.meshgrid(xs, ys)
    scores = result.scores(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    fig, ax = plt.subplots(figsize=(5, 4.4), dpi=120)
    ax.contourf(gx, gy, scores > 0, levels=[-0.5, 0.5, 1.5], colors=["#CFE3F3", "#F9D9C4"])
    ax.contour(gx, gy, scores, levels=[0.0], colors="#444444", linewidths=1)
    for label, colour, marker in ((0, "#0072B2", "o"), (1, "#D55E00", "s")):
        pts = X[y == label]
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            c=colour,
            marker=marker,
            s=22,
            edgecolors="white",
            linewidths=0.5,
            label=f"class {label}",
        )
    ax.set_title(f"decision boundary, training accuracy {result.accuracies[-1]:.0%}")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    _save(plt, fig, path)
    return Path(path)


def plot_mistakes(mistakes: list[dict], students: int, path: str | Path, *, top: int = 12) -> Path:
    """The class's mistakes as horizontal bars, most made first: the share of students who made each
    (`mistakes`: dicts with question, mistake, students, share, as ClassSummary.as_dict() writes them).
    The format follows the file's ending (.png, .svg); written atomically."""
    import io
    import textwrap

    from ..adapters.serialize import atomic_write

    plt = _pyplot()
    shown = mistakes[:top]
    fig, ax = plt.subplots(figsize=(10, 1.4 + 0.5 * max(len(shown), 1)), dpi=120)
    if shown:
        # a $ would start matplotlib's mathtext: every label is plain text
        labels = [textwrap.shorten(f"∂L/∂{m['question']}: {m['mistake']}", 70).replace("$", r"\$") for m in shown]
        shares = [100 * m["share"] for m in shown]
        y = np.arange(len(shown))[::-1]
        ax.barh(y, shares, color="#D55E00")
        ax.set_yticks(y, labels)
        for yi, s, m in zip(y, shares, shown):
            ax.text(s + 0.5, yi, f"{s:.0f} % ({m['students']})", va="center", fontsize=9)
        ax.set_xlim(0, max(shares) * 1.25 + 1)
    else:
        ax.text(0.5, 0.5, "no wrong answers", ha="center", va="center", transform=ax.transAxes)
        ax.set_yticks([])
    ax.set_xlabel(f"% of the {students} students")
    more = f" (the {top} most made of {len(mistakes)})" if len(mistakes) > top else ""
    fig.suptitle(f"The class's mistakes, most made first{more}", x=0.01, ha="left")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    path = Path(path)
    buffer = io.BytesIO()
    fig.savefig(buffer, format=path.suffix.lstrip(".") or "png")
    plt.close(fig)
    return atomic_write(path, buffer.getvalue())
