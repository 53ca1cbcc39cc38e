"""The package's face: `import microgr810` loads the core only, and the public import paths keep working."""

import subprocess
import sys
import types

HEAVY = ("numpy", "graphviz", "sympy", "PIL", "matplotlib", "tqdm")


def run(code):
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_import_loads_the_core_only():
    out = run(
        "import sys, microgr810; "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules)); "
        "print(sorted(m for m in sys.modules if m.startswith('microgr810.') and not m.startswith('microgr810.core')))"
    )
    heavy, layers = out.splitlines()
    assert heavy == "[]"
    assert layers == "['microgr810.adapters']"  # the adapters' 30-line index; saving and torch load when used


def test_a_top_level_name_loads_its_layer_when_first_used():
    out = run("import sys, microgr810; microgr810.draw; print('microgr810.pictures.draw' in sys.modules)")
    assert out.strip() == "True"


def test_the_public_import_paths():
    from microgr810.losses import bce, mse  # noqa: F401
    from microgr810.nn import MLP, Layer, Neuron  # noqa: F401
    from microgr810.optim import SGD, Adam  # noqa: F401
    from microgr810.reference import ReferenceProblem  # noqa: F401

    from microgr810 import (  # noqa: F401
        OPS,
        Value,
        add_n,
        animate,
        check_formula,
        closed_form,
        derive,
        draw,
        explain,
        grad,
        hessian,
        linear,
        losses,
        misconceptions,
        stepper,
        topological_order,
        trace_backward,
    )

    for module in (losses, misconceptions, closed_form):
        assert isinstance(module, types.ModuleType)
    assert callable(derive) and derive.__module__ == "microgr810.teaching.derive"


def test_derive_stays_the_function_after_its_module_is_imported():
    out = run(
        "import microgr810, microgr810.teaching.derive; from microgr810 import Value; "
        "a = Value(2.0, 'a'); print(microgr810.derive(a * a * a, a).result)"
    )
    assert out.strip() == "3*a**2"  # d(a³)/da by hand, with the unlabelled a·a written out


def test_old_module_paths_name_the_same_modules():
    import microgr810.engine

    import microgr810.core.engine
    import microgr810.teaching.reference
    from microgr810 import reference

    assert microgr810.engine is microgr810.core.engine
    assert reference is microgr810.teaching.reference
