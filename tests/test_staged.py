"""staged_code: the staged code runs as Python and gives the engine's gradients; the gates' patterns are named."""

import math

import pytest
from microgr810.nn import MLP

from microgr810 import Value, add_n, linear, staged_code
from microgr810.teaching import graphs
from microgr810.teaching.reference import ReferenceProblem


def _cs231n():
    return graphs.cs231n_circuit()


def _karpathy_exp():
    x1, x2, w1, w2 = Value(2.0, label="x1"), Value(0.0, label="x2"), Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    s = x1 * w1 + x2 * w2
    s.label = "x1*w1 + x2*w2"
    n = s + b
    n.label = "n"
    e = (2 * n).exp()
    e.label = "e"
    o = (e - 1) / (e + 1)
    o.label = "o"
    return o


def _sigmoid_neuron():
    return graphs.cs231n_neuron()


def _learner():
    a, b, c = Value(1.5, label="a"), Value(-0.5, label="b"), Value(2.0, label="c")
    return add_n([a * a * a, (b**2).tanh(), (c / a).log(), (a - c).relu(), linear([a, b], [c, 2.0], b).sigmoid()])


def _reference():
    return ReferenceProblem.random(2, 2, seed=0, y=1.0).autograd()[1]


def _mlp():
    out = MLP(3, [4, 4, 1], seed=0)([2.0, 3.0, -1.0])
    return (out - 1.0) ** 2


def _leaves_grads(root):
    from microgr810 import topological_order

    order = topological_order(root)
    for node in order:  # some builders ran backward already
        node.grad = 0.0
    root.backward()
    return order


@pytest.mark.parametrize("build", [_cs231n, _karpathy_exp, _sigmoid_neuron, _learner, _reference, _mlp])
def test_staged_code_runs_and_gives_every_gradient_the_engine_gives(build):
    root = build()
    code = staged_code(root)
    scope: dict = {}
    exec(compile(code, "<staged>", "exec"), scope)  # the code a learner would paste into a cell
    order = _leaves_grads(root)
    grads = {name[1:]: value for name, value in scope.items() if name.startswith("d") and isinstance(value, float)}
    # every node has a variable d<name> holding the engine's gradient; its data is the engine's value
    variables = [
        line.split(" = ")[0] for line in code.splitlines() if " = " in line and not line.startswith(("d", "#", " "))
    ]
    assert len(variables) == len(order)
    for name, node in zip(variables, order):
        assert scope[name] == pytest.approx(node.data, rel=1e-12, abs=1e-15), name
        assert grads[name] == pytest.approx(node.grad, rel=1e-9, abs=1e-12), name


def test_cs231n_add_mul_reads_as_the_lecture_writes_it():
    code = staged_code(_cs231n())
    backward = code.split("# backward pass")[1]
    # hand math: f = (x + y) z at x=-2, y=5, z=-4: df/dq = z, df/dz = q, dq/dx = dq/dy = 1
    assert "df = 1.0" in backward
    assert "dq = z * df" in backward and "mul swaps" in backward
    assert "dx = 1.0 * dq" in backward and "add distributes" in backward
    assert backward.index("dq = ") < backward.index("dx = ")  # the stages in reverse
    scope: dict = {}
    exec(code, scope)
    assert (scope["dx"], scope["dy"], scope["dz"]) == (-4.0, -4.0, 3.0)


def test_a_value_that_fans_out_gets_plus_equals_and_says_so():
    code = staged_code(_karpathy_exp())
    e_lines = [line for line in code.splitlines() if line.startswith("de ")]
    assert len(e_lines) == 2  # e feeds e - 1 and e + 1
    assert e_lines[0].startswith("de = ") and e_lines[1].startswith("de += ")
    assert "fans out into 2 gates" in e_lines[1]
    # a label with operators becomes an identifier
    assert "x1_w1_x2_w2 = t1 + t2" in code


def test_relu_routes_and_every_backward_line_names_its_pattern():
    a = Value(3.0, label="a")
    b = Value(-1.0, label="b")
    out = (a * b).relu() + a.relu()
    code = staged_code(out)
    backward = code.split("# backward pass")[1].splitlines()
    grads = [line for line in backward if line.startswith("d") and " = " in line or "+=" in line]
    assert grads and all("#" in line for line in grads[1:])
    assert any("max routes" in line for line in grads)
    scope: dict = {}
    exec(code, scope)
    # hand math: out = relu(-3) + relu(3): d/da = 0 * b + 1 = 1, d/db = 0
    assert scope["da"] == 1.0 and scope["db"] == 0.0


def test_staged_code_refuses_what_is_not_a_value():
    with pytest.raises(TypeError, match="staged_code needs a Value"):
        staged_code(math.pi)
