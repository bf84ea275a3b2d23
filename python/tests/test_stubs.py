"""The stubs cannot drift from the code: every function of the extension module
`erascore._erascore` has a stub in `_erascore.pyi` with the runtime's parameter names, kinds
and defaults (pyo3 gives each function a real signature), no stub names a function the
module lacks, and `__init__.pyi` only re-exports names of the typed modules (the signatures
of `erascore.score` & co. are those of `_frames.py`, never a hand copy)."""

import ast
import inspect
from pathlib import Path

import pytest

import erascore
import erascore._erascore as ext

PACKAGE = Path(erascore.__file__).parent
KINDS = {
    "posonlyargs": inspect.Parameter.POSITIONAL_ONLY,
    "args": inspect.Parameter.POSITIONAL_OR_KEYWORD,
    "kwonlyargs": inspect.Parameter.KEYWORD_ONLY,
}


def _stub_functions(path: Path) -> dict:
    tree = ast.parse(path.read_text())
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def _stub_parameters(node: ast.FunctionDef) -> list:
    """(name, kind, default) of each parameter, defaults evaluated as literals."""
    a = node.args
    out = []
    positional = [(p, KINDS["posonlyargs"]) for p in a.posonlyargs] + [(p, KINDS["args"]) for p in a.args]
    defaults = [inspect.Parameter.empty] * (len(positional) - len(a.defaults)) + list(a.defaults)
    for (p, kind), default in zip(positional, defaults):
        out.append((p.arg, kind, default))
    if a.vararg:
        out.append((a.vararg.arg, inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.empty))
    for p, default in zip(a.kwonlyargs, a.kw_defaults):
        out.append((p.arg, KINDS["kwonlyargs"], inspect.Parameter.empty if default is None else default))
    if a.kwarg:
        out.append((a.kwarg.arg, inspect.Parameter.VAR_KEYWORD, inspect.Parameter.empty))
    return [
        (name, kind, default if default is inspect.Parameter.empty else ast.literal_eval(default))
        for name, kind, default in out
    ]


def _runtime_parameters(function) -> list:
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


EXTENSION_FUNCTIONS = sorted(
    n for n in dir(ext)
    if not n.startswith("_") and callable(getattr(ext, n)) and not isinstance(getattr(ext, n), type)
)
EXTENSION_CLASSES = sorted(n for n in dir(ext) if not n.startswith("_") and isinstance(getattr(ext, n), type))


def _stub_classes(path: Path) -> dict:
    tree = ast.parse(path.read_text())
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def test_every_extension_function_has_a_stub_and_every_stub_a_function():
    stubs = _stub_functions(PACKAGE / "_erascore.pyi")
    assert EXTENSION_FUNCTIONS
    assert sorted(stubs) == EXTENSION_FUNCTIONS


@pytest.mark.parametrize("name", EXTENSION_FUNCTIONS)
def test_extension_stub_has_the_runtime_signature(name):
    stub = _stub_functions(PACKAGE / "_erascore.pyi")[name]
    assert _stub_parameters(stub) == _runtime_parameters(getattr(ext, name))


def test_the_stub_check_sees_a_wrong_default_a_kind_and_a_name():
    """The comparison is not of names only: each kind of drift is caught."""
    runtime = _runtime_parameters(ext.rank)
    for drifted in (
        "def rank(values, method='first'): ...",
        "def rank(values, *, method='average'): ...",
        "def rank(values, how='average'): ...",
    ):
        assert _stub_parameters(ast.parse(drifted).body[0]) != runtime, drifted
    assert _stub_parameters(ast.parse("def rank(values, method='average'): ...").body[0]) == runtime


def test_init_stub_only_reexports_the_typed_modules():
    tree = ast.parse((PACKAGE / "__init__.pyi").read_text())
    exported = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                assert alias.asname == alias.name, f"{alias.name} must be re-exported as itself"
                exported.add(alias.name)
        elif isinstance(node, ast.Assign):
            assert [t.id for t in node.targets if isinstance(t, ast.Name)] == ["__all__"]
        else:
            raise AssertionError(f"__init__.pyi defines something itself (line {node.lineno}): only re-exports")
    assert exported == set(erascore.__all__)
    for name in erascore.__all__:
        assert getattr(erascore, name) is not None


def test_no_stub_duplicates_a_typed_module():
    """A .pyi beside a .py would hide the .py's own annotations from type checkers and could
    drift from them; only the extension (no .py) and the lazy package root have stubs."""
    stubs = sorted(p.name for p in PACKAGE.rglob("*.pyi"))
    assert stubs == ["__init__.pyi", "_erascore.pyi"]


def test_every_extension_class_has_a_stub_with_the_runtime_signatures():
    """Classes: the constructor (``__new__`` without ``cls``), every public method and every
    property of the runtime class are in its stub, with the runtime's parameters."""
    stubs = _stub_classes(PACKAGE / "_erascore.pyi")
    assert sorted(stubs) == EXTENSION_CLASSES
    for name in EXTENSION_CLASSES:
        cls = getattr(ext, name)
        body = {n.name: n for n in stubs[name].body if isinstance(n, ast.FunctionDef)}
        assert _stub_parameters(body["__new__"])[1:] == _runtime_parameters(cls)
        public = sorted(n for n in vars(cls) if not n.startswith("_"))
        assert sorted(n for n in body if not n.startswith("_")) == public
        for attr in public:
            runtime = inspect.getattr_static(cls, attr)
            stub = body[attr]
            is_property = any(isinstance(d, ast.Name) and d.id == "property" for d in stub.decorator_list)
            if inspect.isgetsetdescriptor(runtime) or isinstance(runtime, property):
                assert is_property, f"{name}.{attr} is a property at runtime"
            else:
                assert not is_property, f"{name}.{attr} is a method at runtime"
                assert _stub_parameters(stub) == _runtime_parameters(getattr(cls, attr)), attr


# erascore.ray takes the arguments of the single-machine function it distributes, in the
# same order, kinds and defaults, plus the cluster's: its functions are given the frame
# API's signature (`_frames._takes_arguments_of`, one keyword list) and read their
# arguments through it.
RAY_ONLY = {"address", "eras_per_task", "models_per_task", "max_retries"}


@pytest.mark.parametrize("name", ["score", "diagnostics", "compare"])
def test_ray_takes_the_frame_api_arguments(name):
    import erascore.ray as ray
    from erascore import _frames

    frame = _runtime_parameters(getattr(_frames, name))
    distributed = [p for p in _runtime_parameters(getattr(ray, name)) if p[0] not in RAY_ONLY]
    assert distributed == frame
