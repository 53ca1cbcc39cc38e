"""The `microgr810` command: the reference problem from a terminal."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from . import __version__, closed_form
from .engine import Value
from .gradcheck import gradcheck
from .names import node_names
from .nn import MLP
from .reference import ReferenceProblem


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
    print(f"  W1 x + b1 -> {a1.shape}, W2 z1 + b2 -> {np.shape(a2) or 'scalar'}: "
          f"{'shapes compose' if ok else 'MISMATCH'}")
    return 0 if ok else 1


def check_table(problem: ReferenceProblem, *, rtol: float = 1e-9, atol: float = 1e-12) -> bool:
    """Print autograd vs closed form vs finite differences (vs PyTorch when installed) per parameter."""
    net, L = problem.autograd()
    auto = net.grad_arrays()
    hand = closed_form.gradients(problem.W1, problem.b1, problem.W2, problem.b2, problem.x, problem.y)
    params = net.parameters()
    fd = gradcheck(lambda: problem.loss(net), params, eps=1e-6)
    numeric = {r.label: r.numeric for r in fd.rows}
    torch_grads = _torch_gradients(problem)
    head = f"{'parameter':10s} {'autograd':>14s} {'closed form':>14s} {'finite diff':>14s}"
    head += f" {'PyTorch':>14s}" if torch_grads is not None else ""
    print(f"loss L = {L.data:.10g}")
    print(head)
    worst_abs = worst_rel = worst_torch = 0.0
    for p in params:
        name, idx = _split(p.label)
        by_hand = float(hand[name][idx])
        row = f"{p.label:10s} {p.grad:14.10f} {by_hand:14.10f} {numeric[p.label]:14.10f}"
        if torch_grads is not None:
            t = float(torch_grads[name][idx])
            row += f" {t:14.10f}"
            worst_torch = max(worst_torch, abs(p.grad - t))
        print(row)
        err = abs(p.grad - by_hand)
        worst_abs = max(worst_abs, err)
        worst_rel = max(worst_rel, err / max(abs(by_hand), 1e-300))
    ok = all(np.allclose(auto[k], hand[k], rtol=rtol, atol=atol) for k in hand)
    if torch_grads is not None:
        ok = ok and all(np.allclose(auto[k], torch_grads[k], rtol=rtol, atol=atol) for k in hand)
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
    t = {k: torch.tensor(np.asarray(v, dtype=float), dtype=torch.float64, requires_grad=True)
         for k, v in (("W1", problem.W1), ("b1", problem.b1), ("W2", problem.W2), ("b2", problem.b2))}
    x = torch.tensor(problem.x, dtype=torch.float64)
    y = torch.tensor(problem.y, dtype=torch.float64)
    a2 = torch.sigmoid(x @ t["W1"].T + t["b1"]) @ t["W2"][0] + t["b2"]
    loss = torch.nn.functional.binary_cross_entropy_with_logits(a2, y)
    loss.backward()
    return {k: v.grad.numpy() for k, v in t.items()}


def cmd_check(args: argparse.Namespace) -> int:
    problem = ReferenceProblem.random(args.M, args.H, seed=args.seed, y=args.y, batch=args.batch)
    return 0 if check_table(problem) else 1


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


def cmd_train(args: argparse.Namespace) -> int:
    from .plots import plot_decision_boundary, plot_loss
    from .train import train

    outdir = _outdir(args.out)
    result = train(args.dataset, args.hidden, args.steps, args.lr, args.seed, progress=not args.quiet)
    files = [plot_loss(result, outdir / "loss.png"), plot_decision_boundary(result, outdir / "decision_boundary.png")]
    print(f"{args.dataset}: MLP 2-{'-'.join(map(str, args.hidden))}-1, {args.steps} steps, "
          f"final loss {result.losses[-1]:.4f}, training accuracy {result.accuracies[-1]:.0%}")
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


def _node(root: Value, name: str) -> Value:
    """The node of root's graph called `name` (as drawings and traces name it); spaces do not count,
    so "W1[0, 1]" is W1[0,1]."""
    key = "".join(name.split())
    names = node_names(root)
    found = [n for n, n_name in names.items() if "".join(n_name.split()) == key]
    if len(found) == 1:
        return found[0]
    if found:  # e.g. x[0] in a batch: one node per datapoint
        raise CLIError(f"{name!r} names {len(found)} nodes (one per datapoint); leave out --batch to pick one")
    known = sorted(set(names.values()))
    shown = ", ".join(known[:8]) + (f", ... ({len(known)} names)" if len(known) > 8 else "")
    raise CLIError(f"unknown node {name!r}; this graph has {shown}")


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


def _write_drawing(L: Value, path: Path, fmt: str, highlight: Value | None) -> Path:
    import graphviz

    from .draw import draw

    g = draw(L, highlight=highlight, show_local=True)
    if fmt == "dot":
        return _write_file(path, g.source)
    try:
        picture = g.pipe(format=fmt)
    except graphviz.ExecutableNotFound as e:  # no `dot`: the message says how to install it
        raise CLIError(" ".join(str(e).split())) from None
    return _write_file(path, picture)


def cmd_draw(args: argparse.Namespace) -> int:
    _, L = _reference_loss(args)
    highlight = _node(L, args.highlight) if args.highlight else None
    fmt = args.format or (Path(args.output).suffix.lstrip(".") or "svg")
    if fmt not in ("svg", "png", "pdf", "dot"):
        raise CLIError(f"unknown format {fmt!r}; use svg, png, pdf or dot")
    print(f"wrote {_write_drawing(L, Path(args.output), fmt, highlight)}")
    return 0


def cmd_trace(args: argparse.Namespace) -> int:
    from .trace import trace_backward

    _, L = _reference_loss(args, backward=False)  # a fresh graph: every gradient starts at 0
    print(trace_backward(L))
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from .explain import explain

    _, L = _reference_loss(args)
    print(explain(L, _node(L, args.node), y=args.y))
    return 0


def cmd_stepper(args: argparse.Namespace) -> int:
    import graphviz

    from .stepper import stepper

    _, L = _reference_loss(args, backward=False)
    try:
        page = stepper(L).html()
    except graphviz.ExecutableNotFound as e:  # frames are drawn with `dot`
        raise CLIError(" ".join(str(e).split())) from None
    path = _write_file(Path(args.output), page)
    print(f"wrote {path} (open it in a browser: Prev/Next or the arrow keys step through backward)")
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
    w = _node(L, "W1[0,1]")
    try:
        print(f"wrote {_write_drawing(L, outdir / 'reference-graph.svg', 'svg', w)}")
        print("\n== Backprop step by step, in a page ==")
        cmd_stepper(argparse.Namespace(**vars(small), output=str(outdir / "backprop.html")))
    except CLIError as e:  # most likely no Graphviz: keep the DOT text and go on with the demo
        dot = _write_drawing(L, outdir / "reference-graph.dot", "dot", w)
        print(f"skipped the pictures: {e}\nwrote {dot} (its DOT text)")
    print("\n== Training on moons (micrograd's demo) ==")
    cmd_train(argparse.Namespace(dataset="moons", hidden=(16, 16), steps=100, lr=1.0, seed=0, quiet=True,
                                 out=str(outdir)))
    return 0 if ok else 1


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
    c.set_defaults(func=cmd_check)
    def reference_args(sp: argparse.ArgumentParser, M: int = 2, H: int = 2) -> None:
        sp.add_argument("--M", type=_positive, default=M, help="input features")
        sp.add_argument("--H", type=_positive, default=H, help="hidden units")
        sp.add_argument("--seed", type=_seed, default=0)
        sp.add_argument("--y", type=_unit, default=1.0, help="the target")
        sp.add_argument("--batch", type=_positive, default=None, help="a batch of N datapoints (mean loss)")

    g = sub.add_parser("draw", help="draw the reference network's computation graph")
    g.add_argument("-o", "--output", default="graph.svg", help="file to write")
    g.add_argument("--format", choices=["svg", "png", "pdf", "dot"], default=None,
                   help="default: from the file name's ending")
    g.add_argument("--highlight", default=None, metavar="NODE", help='a node\'s name, e.g. "W1[0,1]" or "z1[0]"')
    reference_args(g)
    g.set_defaults(func=cmd_draw)
    tr = sub.add_parser("trace", help="every backward step of the reference network, as a table")
    reference_args(tr)
    tr.set_defaults(func=cmd_trace)
    ex = sub.add_parser("explain", help="the chain rule for one node: every path, its product, the sum")
    ex.add_argument("node", help='any node\'s name, e.g. "W1[0,1]", "b1[0]", "x[0]", "a1[0]", "z2"')
    reference_args(ex)
    ex.set_defaults(func=cmd_explain)
    st = sub.add_parser("stepper", help="an HTML page that steps through backward, frame by frame")
    st.add_argument("-o", "--output", default="backprop.html", help="file to write")
    reference_args(st)
    st.set_defaults(func=cmd_stepper)
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
