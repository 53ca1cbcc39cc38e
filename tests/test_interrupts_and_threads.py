"""backward() interrupted anywhere (Ctrl-C is a KeyboardInterrupt raised between two bytecodes) leaves a graph
that zero_grad() and a new backward() bring to exactly the gradients of a freshly built graph; and separate
graphs backpropagate correctly in separate threads (docs/promises.md says what is and is not safe)."""

import sys
import threading

import pytest
from microgr810.losses import bce
from microgr810.nn import MLP

from microgr810 import Value, topological_order
from microgr810.core import engine


def reference_graph():
    net = MLP(3, [4, 4, 1], "tanh", "sigmoid", seed=1)
    xs = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]
    L = bce([net([Value(v) for v in x]) for x in xs], [1.0, 0.0])
    return net, L


def gradients(net, L):
    return [p.grad for p in net.parameters()] + [n.grad for n in topological_order(L) if n.op]


def interrupt_at(k):
    """A tracer that raises KeyboardInterrupt at the k-th bytecode the engine runs (the sort or the walk): where
    a real SIGINT can land, between any two bytecodes, not only between lines."""
    seen = [0]

    def tracer(frame, event, arg):
        if frame.f_code.co_filename != engine.__file__:
            return None
        frame.f_trace_opcodes = True
        frame.f_trace_lines = False
        if event == "opcode":
            seen[0] += 1
            if seen[0] == k:
                raise KeyboardInterrupt
        return tracer

    return tracer, seen


def lines_run_by_backward():
    net, L = reference_graph()
    tracer, seen = interrupt_at(-1)
    sys.settrace(tracer)
    try:
        L.backward()
    finally:
        sys.settrace(None)
    return seen[0]


def test_an_interrupt_anywhere_in_backward_leaves_a_graph_that_backward_makes_right_again():
    fresh_net, fresh_L = reference_graph()
    fresh_L.backward()
    want = gradients(fresh_net, fresh_L)
    total = lines_run_by_backward()
    assert total > 1000  # the sort and the walk, bytecode by bytecode
    points = sorted({1, 2, 3, total - 1, *range(1, total, max(1, total // 300))})  # ~300 points, both phases
    interrupted = 0
    for k in points:
        net, L = reference_graph()
        L.backward()  # a first backward: the interrupted one below runs over gradients already there
        tracer, _ = interrupt_at(k)
        sys.settrace(tracer)
        try:
            L.backward()
        except KeyboardInterrupt:
            interrupted += 1
        finally:
            sys.settrace(None)
        net.zero_grad()
        L.backward()
        assert gradients(net, L) == want, f"interrupted at engine bytecode {k} of {total}"
    assert interrupted == len(points)


def test_an_interrupt_leaves_nothing_but_floats_in_grad():
    net, L = reference_graph()
    tracer, _ = interrupt_at(lines_run_by_backward() // 3)
    sys.settrace(tracer)
    with pytest.raises(KeyboardInterrupt):
        L.backward()
    sys.settrace(None)
    assert all(type(n.grad) is float for n in topological_order(L))


def test_separate_graphs_in_separate_threads_get_their_own_exact_gradients():
    def work(seed, out):
        net = MLP(3, [8, 1], "sigmoid", "sigmoid", seed=seed)
        for _ in range(20):
            net.zero_grad()
            L = bce(net([Value(0.1 * seed), Value(-0.5), Value(1.0)]), 1.0)
            L.backward()
        out[seed] = [p.grad for p in net.parameters()]

    alone: dict[int, list[float]] = {}
    for seed in range(4):
        work(seed, alone)
    together: dict[int, list[float]] = {}
    threads = [threading.Thread(target=work, args=(seed, together)) for seed in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert together == alone
