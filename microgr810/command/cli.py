"""The `microgr810` command: the reference problem from a terminal."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np

from .. import __version__
from ..core.engine import Value, topological_order
from ..core.nn import MLP
from ..notation.names import find
from ..teaching import closed_form
from ..teaching.gradcheck import gradcheck
from ..teaching.reference import ReferenceProblem

if TYPE_CHECKING:
    from ..pictures.draw import TooBig


class CLIError(Exception):
    """A bad argument: one line on stderr and exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line (the usage stays behind --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _checked(convert: Callable[[str], Any], ok: Callable[[Any], bool], expected: str) -> Callable[[str], Any]:
    """An argparse type: convert the text, check the value, else say what was expected."""

    def parse(text: str) -> Any:
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not ok(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
        return value

    return parse


_positive = _checked(int, lambda n: n >= 1, "a positive integer")
_unit = _checked(float, lambda y: 0.0 <= y <= 1.0, "a number in [0, 1]")
_rate = _checked(float, lambda lr: 0 < lr < math.inf, "a positive finite number")
_seed = _checked(int, lambda n: n >= 0, "a non-negative integer")


def cmd_dims(args: argparse.Namespace) -> int:
    dims = closed_form.dimensions(args.M, args.H)
    print(f"Part 1: shapes for M = {args.M} features, H = {args.H} hidden units")
    for name, shape in dims.items():
        print(f"  {name:3s} {'x'.join(map(str, shape)) or 'scalar':>8s}")
    # compose arrays of these shapes as the network does: a1 = W1 x + b1, a2 = W2 z1 + b2
    a1 = np.zeros(dims["W1"]) @ np.zeros(dims["x"]) + np.zeros(dims["b1"])
    a2 = (np.zeros(dims["W2"]) @ np.zeros(dims["z1"]))[0] + np.zeros(dims["b2"])
    ok = a1.shape == dims["a1"] and np.shape(a2) == dims["a2"]
    print(
        f"  W1 x + b1 -> {a1.shape}, W2 z1 + b2 -> {np.shape(a2) or 'scalar'}: {'shapes compose' if ok else 'MISMATCH'}"
    )
    return 0 if ok else 1


def check_table(problem: ReferenceProblem, *, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    """Print autograd vs closed form vs finite differences (vs PyTorch when installed) per parameter."""
    net, L = problem.autograd()
    hand = closed_form.gradients(problem.W1, problem.b1, problem.W2, problem.b2, problem.x, problem.y)
    return _gradient_table(net, L, lambda: problem.loss(net), hand, _torch_gradients(problem), rtol, atol)


def _gradient_table(
    net, L, rebuild, closed: dict[str, np.ndarray], torch_grads: dict[str, np.ndarray] | None, rtol: float, atol: float
) -> bool:
    """One row per parameter: autograd (net after backward of L), `closed`, finite differences of
    `rebuild()`, PyTorch; True when all agree."""
    auto = net.grad_arrays()
    params = net.parameters()
    fd = gradcheck(rebuild, params, eps=1e-6, progress=True)
    numeric = {r.label: r.numeric for r in fd.rows}
    head = f"{'parameter':10s} {'autograd':>14s} {'closed form':>14s} {'finite diff':>14s}"
    head += f" {'PyTorch':>14s}" if torch_grads is not None else ""
    print(f"loss L = {L.data:.10g}")
    print(head)
    worst_abs = worst_rel = worst_torch = 0.0
    for p in params:
        name, idx = _split(p.label)
        by_hand = float(closed[name][idx])
        row = f"{p.label:10s} {p.grad:14.10f} {by_hand:14.10f} {numeric[p.label]:14.10f}"
        if torch_grads is not None:
            t = float(torch_grads[name][idx])
            row += f" {t:14.10f}"
            worst_torch = max(worst_torch, abs(p.grad - t))
        print(row)
        err = abs(p.grad - by_hand)
        worst_abs = max(worst_abs, err)
        worst_rel = max(worst_rel, err / max(abs(by_hand), 1e-300))
    ok = all(np.allclose(auto[k], closed[k], rtol=rtol, atol=atol) for k in closed)
    if torch_grads is not None:
        ok = ok and all(np.allclose(auto[k], torch_grads[k], rtol=rtol, atol=atol) for k in closed)
    print(f"worst autograd vs closed form: abs {worst_abs:.2e}, rel {worst_rel:.2e}")
    if torch_grads is not None:
        print(f"worst autograd vs PyTorch: abs {worst_torch:.2e}")
    print(f"finite differences: {fd}")
    print("all gradients agree" if ok and fd.ok else "GRADIENTS DISAGREE")
    return ok and fd.ok


def _split(label: str) -> tuple[str, tuple[int, ...]]:
    """'W1[2,0]' -> ('W1', (2, 0)); 'b2' -> ('b2', ())."""
    if "[" not in label:
        return label, ()
    name, rest = label.split("[", 1)
    return name, tuple(int(i) for i in rest.rstrip("]").split(","))


def _torch_gradients(problem: ReferenceProblem) -> dict[str, np.ndarray] | None:
    try:
        import torch
    except ImportError:
        return None
    t = {
        k: torch.tensor(np.asarray(v, dtype=float), dtype=torch.float64, requires_grad=True)
        for k, v in (("W1", problem.W1), ("b1", problem.b1), ("W2", problem.W2), ("b2", problem.b2))
    }
    x = torch.tensor(problem.x, dtype=torch.float64)
    y = torch.tensor(problem.y, dtype=torch.float64)
    a2 = torch.sigmoid(x @ t["W1"].T + t["b1"]) @ t["W2"][0] + t["b2"]
    loss = torch.nn.functional.binary_cross_entropy_with_logits(a2, y)
    loss.backward()
    return {k: v.grad.numpy() for k, v in t.items()}


# Past these sizes `check` and `trace` would run for long with nothing to show: they refuse (exit 2) and say
# what to do instead. Measured on a 2-core machine under load (README, "How big"), each is about 1-20 s.
CHECK_WORK = 10**8  # finite differences: 2 forward passes per weight of ~0.2 µs × (edges + 40 × new nodes)
TRACE_ROWS = 25_000  # printed rows at ~45 µs each: 100×100 (20,607 rows) prints in 1 s
_SECONDS_PER_WORK = 0.2e-6


def _size(args: argparse.Namespace) -> str:
    return f"M={args.M}, H={args.H}" + (f", batch {args.batch}" if args.batch else "")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.0f} h"


def _check_within_limit(problem: ReferenceProblem, args: argparse.Namespace) -> None:
    """Refuse a check whose finite differences would take more than about 20 s (CHECK_WORK)."""
    net = problem.network()
    order = topological_order(problem.loss(net))
    weights = len(net.parameters())
    # a forward pass builds its nodes anew (~8 µs each) and multiplies along every edge (~0.2 µs each)
    work = 2 * weights * (sum(len(n.inputs) for n in order) + 40 * (len(order) - weights))
    if work > CHECK_WORK:
        raise CLIError(
            f"{_size(args)}: the finite-difference check would run the forward pass {2 * weights:,} times "
            f"(twice per weight), about {_duration(work * _SECONDS_PER_WORK)} here, past the limit of about "
            f"{_duration(CHECK_WORK * _SECONDS_PER_WORK)}. Use smaller --M/--H (50 and 50 fit)"
            f"{' or a smaller --batch' if args.batch else ''}; "
            f"`microgr810 explain PARAM` shows one weight's gradient at any size"
        )


def cmd_check(args: argparse.Namespace) -> int:
    if args.layers is None and args.activation is None and args.loss is None and args.output_activation is None:
        problem = ReferenceProblem.random(args.M, args.H, seed=args.seed, y=args.y, batch=args.batch)
        _check_within_limit(problem, args)
        return 0 if check_table(problem) else 1
    return 0 if check_mlp_table(args) else 1


def check_mlp_table(args: argparse.Namespace, *, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    """check on any MLP (--layers, --activation, --loss): autograd vs closed_form.backprop vs the rest."""
    from ..core.losses import bce, mse
    from ..core.nn import MLP

    sizes = args.layers or (args.M, args.H, 1)
    act, loss = args.activation or "sigmoid", args.loss or "bce"
    out_act = args.output_activation or ("sigmoid" if loss == "bce" else "linear")
    if loss == "bce" and out_act != "sigmoid":
        raise CLIError(f"--loss bce needs a probability: --output-activation must be sigmoid, not {out_act}")
    rng = np.random.default_rng(args.seed)
    net = MLP(sizes[0], list(sizes[1:]), act, out_act, seed=args.seed)
    arrays = {k: rng.normal(size=np.shape(v)) for k, v in net.arrays().items()}  # N(0, 1), as the reference
    net.set_arrays(arrays)
    X = rng.normal(size=(args.batch or 1, sizes[0]))
    if args.y is not None:
        y = np.full(len(X), args.y)
    else:
        y = rng.integers(0, 2, size=len(X)).astype(float) if loss == "bce" else rng.normal(size=len(X))
    loss_fn = bce if loss == "bce" else mse

    def rebuild():
        return loss_fn([net.scalar(list(row)) for row in X], list(y))

    L = rebuild()
    L.backward()
    closed = closed_form.backprop(arrays, X, y, activation=act, output_activation=out_act, loss=loss)
    print(
        f"MLP {'-'.join(map(str, sizes))}, {act} hidden, {out_act} output, {loss} loss, "
        f"{len(X)} datapoint{'s' * (len(X) != 1)}, seed {args.seed}"
    )
    return _gradient_table(net, L, rebuild, closed, _torch_mlp(arrays, X, y, act, out_act, loss), rtol, atol)


def _torch_mlp(arrays, X, y, act: str, out_act: str, loss: str) -> dict[str, np.ndarray] | None:
    try:
        import torch
    except ImportError:
        return None
    f = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "linear": lambda a: a}
    t = {
        k: torch.tensor(np.asarray(v, dtype=float), dtype=torch.float64, requires_grad=True) for k, v in arrays.items()
    }
    z = torch.tensor(X, dtype=torch.float64)
    n = len(arrays) // 2
    for l in range(1, n + 1):
        a = z @ t[f"W{l}"].T + t[f"b{l}"].reshape(-1)
        z = f[act if l < n else out_act](a)
    target = torch.tensor(y, dtype=torch.float64)
    if loss == "bce":
        value = torch.nn.functional.binary_cross_entropy_with_logits(a[:, 0], target)
    else:
        value = ((z[:, 0] - target) ** 2).mean()
    value.backward()
    return {k: v.grad.numpy() for k, v in t.items()}


def _outdir(path: str) -> Path:
    outdir = Path(path)
    if outdir.exists() and not outdir.is_dir():
        raise CLIError(f"the output folder {outdir} is a file; name a folder (it is made if missing)")
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        probe = outdir / ".microgr810-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as e:
        raise CLIError(f"cannot write to the output folder {outdir}: {e.strerror}") from None
    return outdir


def _hidden(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(t) for t in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected layer sizes like 16,16, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"layer sizes must be positive integers, got {text!r}")
    return sizes


def _layers(text: str) -> tuple[int, ...]:
    sizes = _hidden(text)
    if len(sizes) < 2 or sizes[-1] != 1:
        raise argparse.ArgumentTypeError(f"expected sizes from the inputs to one output, like 3,4,4,1, got {text!r}")
    return sizes


def cmd_train(args: argparse.Namespace) -> int:
    from ..core.train import train
    from ..pictures.plots import plot_decision_boundary, plot_loss

    outdir = _outdir(args.out)
    result = train(args.dataset, args.hidden, args.steps, args.lr, args.seed, progress=not args.quiet)
    files = [plot_loss(result, outdir / "loss.png"), plot_decision_boundary(result, outdir / "decision_boundary.png")]
    print(
        f"{args.dataset}: MLP 2-{'-'.join(map(str, args.hidden))}-1, {args.steps} steps, "
        f"final loss {result.losses[-1]:.4f}, training accuracy {result.accuracies[-1]:.0%}"
    )
    for f in files:
        print(f"  wrote {f}")
    return 0


def _reference_loss(args: argparse.Namespace, backward: bool = True) -> tuple[MLP, Value]:
    """The reference network and its loss graph (after one backward pass unless told otherwise)."""
    problem = ReferenceProblem.random(args.M, args.H, seed=args.seed, y=args.y, batch=args.batch)
    if backward:
        return problem.autograd()
    net = problem.network()
    return net, problem.loss(net)


def _write_file(path: Path, content: str | bytes) -> Path:
    """Write a file the user named, making its folder if needed; a failure is one CLI error line."""
    if path.is_dir():
        raise CLIError(f"{path} is a folder; name the file to write, e.g. {path / 'graph.svg'}")
    try:
        if not path.parent.exists():
            path.parent.mkdir(parents=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    except OSError as e:
        raise CLIError(f"cannot write {path}: {e.strerror or e}") from None
    return path


def _write_drawing(L: Value, path: Path, fmt: str, **view: Any) -> Path:
    """Draw L (with local derivatives on the edges) into `path`; `view` goes to draw (highlight, collapse, focus)."""
    import graphviz

    from ..pictures.draw import draw

    g = draw(L, **view) if view.get("style") == "circuit" else draw(L, show_local=True, **view)
    if fmt == "dot":
        return _write_file(path, g.source)
    try:
        picture = g.svg().encode() if fmt == "svg" else g.pipe(format=fmt)  # an SVG fits the window it opens in
    except graphviz.ExecutableNotFound as e:  # no `dot`: the message says how to install it
        raise CLIError(" ".join(str(e).split())) from None
    return _write_file(path, picture)


def cmd_draw(args: argparse.Namespace) -> int:
    from ..pictures.draw import MAX_NODES, TooBig

    _, L = _reference_loss(args)
    highlight = find(L, args.highlight, where="--highlight") if args.highlight else None
    focus = find(L, args.focus, where="--focus") if args.focus else None
    fmt = args.format or (Path(args.output).suffix.lstrip(".") or "svg")
    if fmt not in ("svg", "png", "pdf", "dot"):
        raise CLIError(f"unknown format {fmt!r}; use svg, png, pdf or dot")
    if args.style == "circuit":
        if highlight is not None or focus is not None or args.collapse:
            raise CLIError("--style circuit draws every wire: it takes no --highlight, --focus or --collapse")
        try:
            print(f"wrote {_write_drawing(L, Path(args.output), fmt, style='circuit')}")
        except TooBig as e:
            raise CLIError(f"{e}; a smaller network (--M, --H) draws as a circuit, or --style graph") from None
        return 0
    nodes = len(topological_order(L))
    # asked for no view, a learner wants a picture: past a box per node's limit the next smaller view
    # draws it (as the stepper does), and a note says which
    fallback = not args.collapse and focus is None and nodes > MAX_NODES
    try:
        path = _write_drawing(
            L, Path(args.output), fmt, highlight=highlight, focus=focus, collapse=args.collapse or fallback
        )
    except TooBig as e:
        raise CLIError(_too_big_to_draw(args, e)) from None
    if fallback:
        print(
            f"microgr810 draw: note: {_size(args)}: {nodes} value nodes are too many for a box per node (legible "
            f"up to {MAX_NODES}), so this is a box per neuron (--collapse); --focus NODE draws one node's paths",
            file=sys.stderr,
        )
    print(f"wrote {path}")
    return 0


def _too_big_to_draw(args: argparse.Namespace, e: TooBig) -> str:
    """draw's refusal (a draw.TooBig) as the command's options say it."""
    if e.view == "focus":
        smaller = "add --collapse (a box per neuron)" if not args.collapse else "focus on a node nearer the loss"
        return (
            f"{_size(args)}: the chain-rule paths to {args.focus} pass through {e.count} boxes, past the "
            f"{e.limit} that stay legible; {smaller}"
        )
    return (
        f"{_size(args)}: {e.count} boxes even with a box per neuron, past the {e.limit} that stay legible; "
        f'--focus NODE draws only one node\'s chain-rule paths (e.g. --focus "W1[0,0]")'
    )


def cmd_trace(args: argparse.Namespace) -> int:
    from ..teaching.trace import trace_backward

    _, L = _reference_loss(args, backward=False)  # a fresh graph: every gradient starts at 0
    rows = sum(len(n.inputs) + 1 for n in topological_order(L) if n.op) + 1  # a header per step, a row per input
    if rows > TRACE_ROWS:
        raise CLIError(
            f"{_size(args)}: the trace would print {rows:,} rows, past the limit of {TRACE_ROWS:,} "
            f"(about 1 s; no one reads more). Use smaller --M/--H (100 and 100 fit)"
            f"{' or a smaller --batch' if args.batch else ''}; "
            f"`microgr810 explain PARAM` shows one weight's chain rule at any size"
        )
    print(trace_backward(L))
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from ..teaching.explain import explain

    _, L = _reference_loss(args)
    print(explain(L, find(L, args.node), y=args.y))
    return 0


def cmd_stepper(args: argparse.Namespace) -> int:
    import graphviz

    from ..pictures.stepper import stepper

    _, L = _reference_loss(args, backward=False)
    try:
        page = stepper(L, predict=args.predict).html()
    except graphviz.ExecutableNotFound as e:  # frames are drawn with `dot`
        raise CLIError(" ".join(str(e).split())) from None
    path = _write_file(Path(args.output), page)
    print(f"wrote {path} (open it in a browser: Prev/Next or the arrow keys step through backward)")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    from ..teaching.grade import grade

    verdict = grade(args.parameter, args.formula, M=args.M, H=args.H, seed=args.seed)
    report = str(verdict) + (f"\n  the chain rule gives: {verdict.question} = {verdict.answer}" if args.answer else "")
    try:
        print(report, flush=True)
    except BrokenPipeError:  # `| head -1` closed the pipe: the exit status still tells the verdict
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0 if verdict.ok else 1


def cmd_animate(args: argparse.Namespace) -> int:
    import graphviz

    from ..pictures.animate import animate

    _, L = _reference_loss(args, backward=False)
    try:
        path = animate(L, args.output, args.frames, width=args.width, progress=True)
    except graphviz.ExecutableNotFound as e:  # frames are drawn with `dot`
        raise CLIError(" ".join(str(e).split())) from None
    except OSError as e:
        raise CLIError(f"cannot write {e.filename or args.output}: {e.strerror or e}") from None
    print(f"wrote {path}" + (f" and its frames in {args.frames}" if args.frames else ""))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    outdir = _outdir(args.out)
    print("== Part 1: dimensions ==")
    cmd_dims(argparse.Namespace(M=3, H=4))
    print("\n== Part 2: every gradient, four ways ==")
    ok = check_table(ReferenceProblem.random(3, 4, seed=0, y=1.0))
    small = argparse.Namespace(M=2, H=2, seed=0, y=1.0, batch=None)
    print("\n== One gradient explained: the chain rule for W1[0,1] ==")
    cmd_explain(argparse.Namespace(**vars(small), node="W1[0,1]"))
    print("\n== The graph, with W1[0,1]'s chain-rule path highlighted ==")
    _, L = _reference_loss(small)
    w = find(L, "W1[0,1]")
    try:
        print(f"wrote {_write_drawing(L, outdir / 'reference-graph.svg', 'svg', highlight=w)}")
        print("\n== Backprop step by step, in a page ==")
        cmd_stepper(argparse.Namespace(**vars(small), output=str(outdir / "backprop.html"), predict=False))
    except CLIError as e:  # most likely no Graphviz: keep the DOT text and go on with the demo
        dot = _write_drawing(L, outdir / "reference-graph.dot", "dot", highlight=w)
        print(f"skipped the pictures: {e}\nwrote {dot} (its DOT text)")
    print("\n== Training on moons (micrograd's demo) ==")
    cmd_train(
        argparse.Namespace(dataset="moons", hidden=(16, 16), steps=100, lr=1.0, seed=0, quiet=True, out=str(outdir))
    )
    return 0 if ok else 1


def cmd_quiz(args: argparse.Namespace) -> int:
    from ..teaching import graphs
    from ..teaching.quiz import run

    if args.expr is not None:
        root = graphs.parse_expression(args.expr, _values(args.at), seed=args.seed)
    elif args.graph == "reference":
        _, root = _reference_loss(args, backward=False)
    elif args.graph == "neuron":
        root = graphs.neuron()
    else:
        root = graphs.random_graph(args.seed)
    run(root)  # stopping early (q, EOF) is a normal way to end it; main() handles a closed pipe
    return 0


def _values(text: str | None) -> dict[str, float]:
    """'a=2,b=-3' -> {'a': 2.0, 'b': -3.0}."""
    out: dict[str, float] = {}
    for part in filter(None, (text or "").split(",")):
        name, eq, number = part.partition("=")
        try:
            out[name.strip()] = float(number)
        except ValueError:
            raise CLIError(f"--at: expected name=number pairs like a=2,b=-3, got {part!r}") from None
        if not eq or not name.strip():
            raise CLIError(f"--at: expected name=number pairs like a=2,b=-3, got {part!r}")
    return out


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="microgr810", description="A tiny scalar autograd engine for learning backprop.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dims", help="part 1: the shape of every parameter and intermediate")
    d.add_argument("--M", type=_positive, default=3, help="input features")
    d.add_argument("--H", type=_positive, default=4, help="hidden units")
    d.set_defaults(func=cmd_dims)
    c = sub.add_parser("check", help="every gradient of the reference network: autograd vs the hand derivation")
    c.add_argument("--M", type=_positive, default=3)
    c.add_argument("--H", type=_positive, default=4)
    c.add_argument("--seed", type=_seed, default=0)
    c.add_argument("--y", type=_unit, default=None, help="the target (default: drawn at random)")
    c.add_argument("--batch", type=_positive, default=None, help="use a batch of N datapoints (mean loss)")
    c.add_argument(
        "--layers",
        type=_layers,
        default=None,
        metavar="M,...,1",
        help="any MLP instead of the reference one: layer sizes from the inputs to the one output",
    )
    c.add_argument(
        "--activation",
        choices=["sigmoid", "tanh", "relu", "linear"],
        default=None,
        help="the hidden layers' activation (default sigmoid)",
    )
    c.add_argument(
        "--output-activation",
        choices=["sigmoid", "tanh", "relu", "linear"],
        default=None,
        help="default: sigmoid for bce, linear for mse",
    )
    c.add_argument("--loss", choices=["bce", "mse"], default=None, help="default bce")
    c.set_defaults(func=cmd_check)

    def reference_args(sp: argparse.ArgumentParser, M: int = 2, H: int = 2) -> None:
        sp.add_argument("--M", type=_positive, default=M, help="input features")
        sp.add_argument("--H", type=_positive, default=H, help="hidden units")
        sp.add_argument("--seed", type=_seed, default=0)
        sp.add_argument("--y", type=_unit, default=1.0, help="the target")
        sp.add_argument("--batch", type=_positive, default=None, help="a batch of N datapoints (mean loss)")

    g = sub.add_parser("draw", help="draw the reference network's computation graph")
    g.add_argument("-o", "--output", default="graph.svg", help="file to write")
    g.add_argument(
        "--format", choices=["svg", "png", "pdf", "dot"], default=None, help="default: from the file name's ending"
    )
    g.add_argument(
        "--style",
        choices=["graph", "circuit"],
        default="graph",
        help="graph: boxes and ops; circuit: CS231n's gates and wires, value above and gradient below each wire",
    )
    g.add_argument("--highlight", default=None, metavar="NODE", help='a node\'s name, e.g. "W1[0,1]" or "z1[0]"')
    g.add_argument(
        "--collapse",
        action="store_true",
        help="a box per neuron (w·x + b and its activation); the default where a box per node is too big",
    )
    g.add_argument(
        "--focus",
        default=None,
        metavar="NODE",
        help="only the chain-rule paths from the loss to NODE, and a box counting the rest",
    )
    reference_args(g)
    g.set_defaults(func=cmd_draw)
    tr = sub.add_parser("trace", help="every backward step of the reference network, as a table")
    reference_args(tr)
    tr.set_defaults(func=cmd_trace)
    ex = sub.add_parser("explain", help="the chain rule for one node: every path, its product, the sum")
    ex.add_argument(
        "node",
        help='any node as trace names it: "W1[0,1]", "b1[0]", "x[0]", "a1[0]", "z2", '
        '"a2[n=1]" (with --batch); spaces inside brackets do not count',
    )
    reference_args(ex)
    ex.set_defaults(func=cmd_explain)
    st = sub.add_parser("stepper", help="an HTML page that steps through backward, frame by frame")
    st.add_argument("-o", "--output", default="backprop.html", help="file to write")
    st.add_argument(
        "--predict", action="store_true", help="predict mode: type each step's gradients before the page shows them"
    )
    reference_args(st)
    st.set_defaults(func=cmd_stepper)
    gr = sub.add_parser(
        "grade",
        help="is FORMULA the gradient of the reference loss for PARAM? if not, why not",
        description="Checks FORMULA against autograd on several random reference networks "
        "(y = 0, 1, 0.3) and with sympy; exit 0 correct, 1 wrong (with a diagnosis), "
        "2 malformed. A formula that starts with - needs -- before it.",
    )
    gr.add_argument("parameter", metavar="PARAM", help='W1[h,m], b1[h], W2[h], b2, or one element, e.g. "W1[0,2]"')
    gr.add_argument(
        "formula",
        metavar="FORMULA",
        help='e.g. "W2[h]*x[m]*z1[h]*(1-z1[h])*(y_hat-y)"; names x[m], W1[h,m], b1[h], a1[h], z1[h], '
        "W2[h], b2, a2, z2 = y_hat, y; + - * / ** and sigmoid, exp, log, tanh",
    )
    gr.add_argument("--M", type=_positive, default=3, help="input features")
    gr.add_argument("--H", type=_positive, default=4, help="hidden units")
    gr.add_argument("--seed", type=_seed, default=0)
    gr.add_argument("--answer", action="store_true", help="also print the chain rule's formula")
    gr.set_defaults(func=cmd_grade)
    an = sub.add_parser("animate", help="an animated GIF of backward, one frame per step, for slides")
    an.add_argument("-o", "--output", default="backprop.gif", help="the GIF to write")
    an.add_argument("--frames", default=None, metavar="DIR", help="also write every frame as a PNG there")
    an.add_argument("--width", type=_positive, default=1280, metavar="PX", help="the frames' width in pixels")
    reference_args(an)
    an.set_defaults(func=cmd_animate)
    t = sub.add_parser("train", help="train an MLP on a toy dataset and plot the loss and decision boundary")
    t.add_argument("--dataset", choices=["moons", "xor", "circles"], default="moons")
    t.add_argument("--hidden", type=_hidden, default=(16, 16), help="hidden layer sizes, e.g. 16,16")
    t.add_argument("--steps", type=_positive, default=100)
    t.add_argument("--lr", type=_rate, default=1.0, help="initial learning rate (decays to a tenth)")
    t.add_argument("--seed", type=_seed, default=0)
    t.add_argument("-o", "--out", default="train-output", help="folder for the PNGs")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=cmd_train)
    m = sub.add_parser("demo", help="the main job: dimensions, gradient check, drawings, training")
    m.add_argument("-o", "--out", default="demo-output", help="folder for the files it makes")
    m.set_defaults(func=cmd_demo)
    q = sub.add_parser(
        "quiz",
        help="predict the gradient: type dL/d(input) before each backward step is shown",
        description="Before each backward step is shown, type dL/d(input) for its inputs, one answer "
        "a line (0.25, -1.5e-3, 1/3; h a hint, q or end of input to stop). Answers within "
        "1% count. Pipe them in to script it: printf '0.5\\n' | microgr810 quiz "
        "--graph neuron. --M, --H, --y and --batch shape the reference network.",
    )
    q.add_argument(
        "--graph",
        choices=["random", "reference", "neuron"],
        default="random",
        help="a small random expression (by --seed), the reference network, or micrograd's neuron",
    )
    q.add_argument("--expr", default=None, metavar="TEXT", help='your own expression instead, e.g. "tanh(a*b + c)"')
    q.add_argument(
        "--at", default=None, metavar="VALUES", help="its leaves' data, e.g. a=2,b=-3 (else drawn from --seed)"
    )
    reference_args(q)
    q.set_defaults(func=cmd_quiz)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        try:
            status = int(args.func(args))
        except (CLIError, ValueError) as e:  # ValueError: what the library refuses (e.g. a graph too big to draw)
            print(f"microgr810 {args.command}: error: {e}", file=sys.stderr)
            status = 2
        sys.stdout.flush()  # a closed pipe shows here, where it is caught, not at the interpreter's exit
        return status
    except BrokenPipeError:  # `microgr810 trace | head`: the reader left, which is not an error to report
        # point stdout at /dev/null so that the interpreter's last flush cannot fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13  # as a shell reports a process ended by SIGPIPE
    except KeyboardInterrupt:  # Ctrl-C: stop quietly, as a shell reports SIGINT
        return 128 + 2
