"""The engine's fast paths give the same answers as the plain ones, checked against hand math and finite differences.

Fast paths: backward skips leaves, the sort places leaves as soon as it finds them and allocates
nothing per node (a node is pushed twice instead), backward's own sort marks found nodes in their grad.
"""

import gc
import math

import pytest
from microgr810.nn import MLP

from microgr810 import Value, topological_order
from microgr810.teaching.gradcheck import gradcheck


def diamond():
    """L = a*b + a*a + tanh(b) + 3: leaves a, b and the constant 3; a is reused."""
    a, b = Value(0.7, "a"), Value(-1.3, "b")
    L = a * b + a * a + b.tanh() + 3.0
    return a, b, L


def reachable(root):
    """Every node under root, by a plain worklist: an independent check of the sort's node set."""
    found, todo = {root}, [root]
    while todo:
        for child in todo.pop().inputs:
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def test_diamond_gradients_match_hand_math():
    a, b, L = diamond()
    L.backward()
    # dL/da = b + 2a, dL/db = a + 1 - tanh(b)^2
    assert a.grad == pytest.approx(-1.3 + 2 * 0.7, abs=1e-15)
    assert b.grad == pytest.approx(0.7 + 1 - math.tanh(-1.3) ** 2, abs=1e-15)


@pytest.mark.parametrize("leaves", [True, False])
def test_sort_is_a_topological_order_of_every_reachable_node(leaves):
    net = MLP(3, [4, 1], "tanh", seed=1)
    L = net([0.5, -1.0, 2.0]) * 2.0
    order = topological_order(L, leaves=leaves)
    expected = {n for n in reachable(L) if leaves or n.inputs}
    assert len(order) == len(expected) and set(order) == expected
    place = {n: i for i, n in enumerate(order)}
    for n in order:
        for child in n.inputs:
            if child in place:
                assert place[child] < place[n]


def recursive_post_order(root, leaves):
    """The textbook recursive DFS (micrograd's build_topo): each node after its inputs, in operand order."""
    order, seen = [], set()

    def visit(node):
        if node in seen:
            return
        seen.add(node)
        for child in node.inputs:
            visit(child)
        if leaves or node.inputs:
            order.append(node)

    visit(root)
    return order


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("leaves", [True, False])
def test_sort_is_the_recursive_post_order(seed, leaves):
    from microgr810.teaching.graphs import random_graph

    root = random_graph(seed=seed)
    assert topological_order(root, leaves=leaves) == recursive_post_order(root, leaves)


def test_sort_of_n_ary_nodes_is_the_recursive_post_order():
    net = MLP(3, [4, 4, 1], seed=2)  # linear and sum nodes keep their operands in tuples
    L = (net([0.5, Value(-1.0, "x1"), 2.0]) - 1.0) ** 2
    for leaves in (True, False):
        assert topological_order(L, leaves=leaves) == recursive_post_order(L, leaves)


def test_without_leaves_is_the_full_order_minus_leaves():
    _, _, L = diamond()
    full = topological_order(L)
    assert [n for n in full if n.inputs] == topological_order(L, leaves=False)
    assert len(full) - len(topological_order(L, leaves=False)) == 2  # a and b: the number 3 is no node


def test_a_leaf_root():
    x = Value(2.0)
    assert topological_order(x) == [x] and topological_order(x, leaves=False) == []
    x.backward()
    x.backward()
    assert x.grad == 2.0  # a leaf accumulates, even as the root


def test_watched_backward_sees_every_node_and_gives_the_same_gradients():
    a, b, L = diamond()
    seen = []
    L.backward(on_step=seen.append)
    watched = (a.grad, b.grad)
    assert seen == topological_order(L)[::-1]  # leaves included, root first
    a.grad = b.grad = 0.0
    L.backward()
    assert (a.grad, b.grad) == watched


def test_mlp_gradients_match_finite_differences():
    """The leaf-skipping backward on an MLP with shared inputs, against central differences."""
    net = MLP(2, [5, 5, 1], "relu", seed=3)
    x = [0.3, -0.8]
    report = gradcheck(lambda: (net.scalar(x) - 0.25) ** 2, net.parameters(), rtol=1e-5, atol=1e-8)
    assert report.ok, str(report)


@pytest.mark.parametrize("a, out, slope", [(2.5, 2.5, 1.0), (-2.5, 0.0, 0.0), (0.0, 0.0, 0.0)])
def test_relu_value_and_slope(a, out, slope):
    x = Value(a)
    y = x.relu()
    assert y.data == out and y.local_grads == (slope,)
    (y * 3.0).backward()
    assert x.grad == 3.0 * slope


@pytest.mark.parametrize("enabled", [True, False])
def test_gc_state_is_restored_after_backward_even_on_error(enabled):
    _, _, L = diamond()
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        L.backward()
        assert gc.isenabled() is enabled

        def boom(node):
            raise RuntimeError("stop")

        with pytest.raises(RuntimeError):
            L.backward(on_step=boom)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_backward_starts_no_garbage_collection_on_a_big_graph():
    """The sort and walk allocate nothing the cyclic GC tracks per node: on a 30,000-op graph no
    collection starts (each one would scan every live node), with the GC on as users have it."""
    x, w = Value(0.5, "x"), Value(0.9, "w")
    v = x
    for _ in range(10_000):
        v = (v * w + x).relu()
    was = gc.isenabled()
    collections = []

    def watch(phase, info):
        if phase == "start":
            collections.append(info["generation"])

    gc.enable()
    gc.collect()
    gc.callbacks.append(watch)
    try:
        v.backward()
    finally:
        gc.callbacks.remove(watch)
        (gc.enable if was else gc.disable)()
    assert collections == []
    assert w.grad != 0.0


def test_deep_chain_gradient_is_the_product_of_slopes():
    """x_{k+1} = relu(x_k * w + b) around the fixed point 1: dx_n/dx_0 = w^n (every relu passes)."""
    n, w0, b0 = 30_000, 0.9, 0.1
    x0, w, b = Value(1.0), Value(w0), Value(b0)
    x = x0
    for _ in range(n):
        x = (x * w + b).relu()
    x.backward()
    assert x.data == pytest.approx(1.0)
    assert x0.grad == pytest.approx(w0**n, rel=1e-9)
    # dx_n/db = sum_k w^k = (1 - w^n) / (1 - w), by the geometric series
    assert b.grad == pytest.approx((1 - w0**n) / (1 - w0), rel=1e-9)


def reference_backprop(root):
    """Backprop by the book, through the public graph: the recursive post-order reversed, each node
    passing `local * grad` to its inputs. Returns each node's gradient, by node."""
    grads = dict.fromkeys(recursive_post_order(root, True), 0.0)
    grads[root] = 1.0
    for node in reversed(list(grads)):
        for child, local in zip(node.inputs, node.local_grads):
            grads[child] += local * grads[node]
    return grads


@pytest.mark.parametrize("seed", range(40))
def test_backward_equals_backprop_by_the_book_to_the_last_bit(seed):
    """Same gradients, summed in the same order: backward's own sort is the recursive post-order too."""
    from microgr810.teaching.graphs import random_graph

    root = random_graph(seed=seed)
    expected = reference_backprop(root)
    root.backward()
    assert {n: n.grad for n in expected} == expected


def test_mlp_backward_equals_backprop_by_the_book_to_the_last_bit():
    net = MLP(3, [4, 4, 1], seed=5)  # n-ary linear and sum nodes, inputs shared by every neuron
    x = [Value(0.5, "x0"), -1.0, Value(2.0, "x2")]
    L = (net(x) - 1.0) ** 2 + net(x).relu()
    expected = reference_backprop(L)
    L.backward()
    assert {n: n.grad for n in expected} == expected


@pytest.mark.parametrize("seed", range(20))
def test_backward_leaves_plain_float_gradients_equal_to_the_watched_walk(seed):
    """backward's own sort marks found nodes in their grad (a 0.0 of its own type): none may be left,
    and the gradients equal those of the watched backward, which sorts with a set (same order, same sums)."""
    from microgr810.teaching.graphs import random_graph

    root = random_graph(seed=seed)
    root.backward()
    nodes = topological_order(root)
    assert all(type(n.grad) is float for n in nodes)
    plain = [n.grad for n in nodes]
    for n in nodes:
        n.grad = 0.0
    root.backward(on_step=lambda node: None)
    assert [n.grad for n in nodes] == plain


class _Interrupt:
    """A local derivative whose product raises, as Ctrl-C would in the middle of a backward."""

    def __init__(self):
        self.armed = True

    def __mul__(self, g):
        if self.armed:
            self.armed = False
            raise KeyboardInterrupt
        return 2.0 * g


def test_an_interrupted_backward_leaves_no_mark_behind():
    from microgr810.core.engine import node

    x = Value(1.5, "x")
    u = x * x  # du/dx = 2x = 3
    v = node(-u.data, "neg", [u], [-1.0])
    w = node(2.0 * v.data, "*", [v, 2.0], [_Interrupt(), None])  # d w / d v = 2 on the second try
    L = w + u  # dL/dx = (2 * -1 + 1) * 2x = -3
    with pytest.raises(KeyboardInterrupt):
        L.backward()
    assert all(type(n.grad) is float for n in topological_order(L))
    x.grad = 0.0
    L.backward()
    assert x.grad == -3.0
