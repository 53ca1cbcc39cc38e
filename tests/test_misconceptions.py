"""The classic bugs: each makes its mistake on micrograd's own examples (numbers by hand), its
counterexample is the smallest, and gradcheck's finite differences catch every one."""

import sys

import pytest

from microgr810 import Value, misconceptions as mc
from microgr810.core.engine import topological_order
from microgr810.pictures.draw import PATH_COLOUR, draw_comparison
from microgr810.teaching.graphs import build, replay, small_graphs


def pr64():
    """micrograd PR #64: a = 1; b = a + a; c = b + b, so c = 4a and dc/da = 4."""
    a = Value(1.0, "a")
    b = a + a
    c = b + b
    return a, b, c


def cube(x=3.0):
    """a*a*a at a = 3: d/da = 3a^2 = 27."""
    a = Value(x, "a")
    return a, a * a * a


def test_overwrite_loses_a_share_on_pr64():
    a, b, c = pr64()
    mc.BUGS["overwrite"](c)
    assert (b.grad, a.grad) == (1.0, 1.0)  # each = keeps one share: 1, then 1 * 1
    mc.CORRECT["overwrite"](c)
    assert (b.grad, a.grad) == (2.0, 4.0)


def test_accumulate_interior_gives_micrograds_72_where_54_is_right():
    a, c = cube()
    mc.BUGS["accumulate_interior"](c)
    assert a.grad == 72.0  # call 1: 27; call 2: a*a holds 3 + 3 = 6, so a gets 9 + 2 * 3 * 6 = 45 more
    mc.CORRECT["accumulate_interior"](c)
    assert a.grad == 54.0  # two calls, 27 each: leaves accumulate, interior nodes do not


def test_no_zero_grad_doubles_the_second_step():
    a, c = cube()
    mc.BUGS["no_zero_grad"](c)
    assert a.grad == 54.0
    mc.CORRECT["no_zero_grad"](c)
    assert a.grad == 27.0


def test_order_passes_on_before_every_user_has_added():
    a = Value(3.0, "a")
    b = a + a
    c = a + b
    d = b + c  # breadth-first from d meets b (directly) before c has added its share to b
    mc.BUGS["order"](d)
    assert a.grad == 3.0  # d/da through c: 1; b passed on only d's 1: 2 * 1 = 2
    mc.CORRECT["order"](d)
    assert a.grad == 5.0  # d = b + a + b = 5a


def test_recursion_raises_on_a_chain_past_the_limit_where_the_engine_does_not():
    L = mc.find_counterexample("recursion")
    assert len(topological_order(L, leaves=False)) >= sys.getrecursionlimit() - 1
    with pytest.raises(RecursionError):
        mc.BUGS["recursion"](L)
    mc.CORRECT["recursion"](L)
    x = next(n for n in topological_order(L) if n.label == "x")
    assert x.grad == 1.0  # x + 1 + 1 + ... : d/dx = 1
    short = mc.chain(50)
    mc.BUGS["recursion"](short)  # a short chain is fine: only depth breaks it


def size(root):
    return len(topological_order(root))


@pytest.mark.parametrize(
    "name,nodes", [("overwrite", 2), ("order", 4), ("no_zero_grad", 2), ("accumulate_interior", 3)]
)
def test_counterexamples_are_the_smallest(name, nodes):
    # by hand: one op over a + a already loses a share (overwrite) or doubles (no_zero_grad); interior
    # gradients pile up only on a node below another interior node (3); breadth-first goes wrong only
    # when an interior node is reached both directly and through another interior node (4)
    root = mc.find_counterexample(name)
    assert size(root) == nodes
    c = mc.compare(name, root)
    assert c.differing and c.error is None
    assert all(n.grad == 0.0 for n in topological_order(mc.find_counterexample(name)))  # handed over fresh


def test_every_smaller_graph_agrees_with_the_engine():
    """No graph of the search with fewer nodes than the counterexample shows the bug (the search is exhaustive)."""
    for name in ("overwrite", "order", "no_zero_grad", "accumulate_interior"):
        limit = size(mc.find_counterexample(name))
        for program, n_leaves in small_graphs(limit - 1):
            root = build(program, n_leaves)
            c = mc.compare(name, root)
            assert not c.differing, (name, program)


def test_small_graphs_use_every_node_and_grow():
    sizes = [n + len(p) for p, n in small_graphs(4)]
    assert sizes == sorted(sizes) and sizes[0] == 2
    # 2 nodes: a + a, a * a, tanh(a); 3 nodes over one leaf or two: count them by hand below
    assert sizes.count(2) == 3
    # one leaf, two ops, the second must use the first: 3 * (tanh b, b+a, b+b, b*a, b*b) = 15;
    # two leaves, one op using both: a + b, a * b = 2
    assert sizes.count(3) == 17


@pytest.mark.parametrize("name", ["overwrite", "order", "no_zero_grad", "accumulate_interior"])
def test_gradcheck_catches_every_bug_and_passes_the_engine(name):
    root = mc.find_counterexample(name)
    report = mc.check(name, root)
    assert not report.ok
    leaves, f = replay(root)
    from microgr810.teaching.gradcheck import gradcheck

    assert gradcheck(f, leaves).ok  # the same finite differences agree with the engine


def test_gradcheck_meets_the_recursion_bug_as_an_error():
    with pytest.raises(RecursionError):
        mc.check("recursion")


def test_compare_view_marks_and_draws_the_differing_nodes():
    a, b, c = pr64()
    view = mc.compare("overwrite", c)
    text = str(view)
    rows = {line.split()[0]: line for line in text.splitlines()[2:]}
    assert "← differs" in rows["a"] and "← differs" in rows[view.names[b]]
    assert rows["a"].split()[1:3] == ["4", "1"]  # engine 4, bug 1 (by hand, above)
    assert "← differs" not in rows[view.names[c]]
    drawing = draw_comparison(view)
    dot = drawing.source
    assert PATH_COLOUR in dot
    # beside each node the bug gets wrong, the engine's gradient (a: 4, b: 2); none beside c
    assert dot.count("xlabel=") == 2 and 'xlabel="engine: 4"' in dot and 'xlabel="engine: 2"' in dot
    ids = {box.node: box_id for box, box_id in zip(drawing.boxes, drawing.box_ids)}
    assert f'{ids[a]} [xlabel="engine: 4"]' in dot and f'{ids[b]} [xlabel="engine: 2"]' in dot  # on the right boxes
    svg = drawing.pipe(format="svg", encoding="utf-8")
    assert "engine: 4" in svg and "grad 1" in svg  # the box shows the bug's gradient
    assert mc.compare("overwrite", Value(2.0, "x") * 3.0).differing == []  # nothing to lose: nothing marked


def test_unknown_bug_is_named():
    with pytest.raises(ValueError, match="unknown bug 'nope'; the bugs are overwrite"):
        mc.find_counterexample("nope")
