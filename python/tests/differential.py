"""The differential harness: one hypothesis strategy per public function of numerai-tools
0.7.2's ``scoring``, ``signals`` and ``submissions``, and the comparison of a call to the
reference with the same call to ``erascore.numerai_tools``.

A strategy draws the shape of a case (sizes, orders, overlaps, kinds of values, options) and
a seed; the pandas inputs are built from them with numpy, so a failing case shrinks on its
shape and reproduces from its printed description. ``compare`` runs both libraries on deep
copies of the same inputs and checks the outcome (value or exception), the result's type,
index, names, dtypes and values, and what each call did to its inputs.
"""

from __future__ import annotations

import copy
import os
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import pandas as pd
from hypothesis import strategies as st

# Tolerances: float64 work agrees to rounding; results built from float32 data agree to the
# float32 precision (docs/python.md, "float32 inputs").
RTOL, ATOL = 1e-9, 1e-12
F32_RTOL, F32_ATOL = 1e-6, 1e-6


@dataclass(frozen=True)
class Profile:
    examples: int
    max_n: int


PROFILES = {
    "ci": Profile(examples=8, max_n=300),
    "long": Profile(examples=2000, max_n=5000),
}
PROFILE = PROFILES[os.environ.get("ERASCORE_DIFF_PROFILE", "ci")]


@dataclass
class Case:
    """The arguments of one call, and what the allow-list needs to know about them."""

    args: Tuple[Any, ...]
    kwargs: Dict[str, Any] = field(default_factory=dict)
    tags: frozenset = frozenset()
    float32: bool = False

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        def show(v: Any) -> str:
            if isinstance(v, (pd.Series, pd.DataFrame)):
                return f"\n{type(v).__name__}(dtype={getattr(v, 'dtypes', None)!r})\n{v!r}"
            return repr(v)

        parts = [show(a) for a in self.args] + [f"{k}={show(v)}" for k, v in self.kwargs.items()]
        return f"Case(tags={sorted(self.tags)}, " + ", ".join(parts) + ")"


# ---------------------------------------------------------------------------------------
# building blocks


def sizes(lo: int = 0) -> st.SearchStrategy[int]:
    """Row counts: mostly small (edge cases), sometimes up to the profile's maximum."""
    return st.one_of(st.integers(lo, 6), st.integers(lo, 40), st.integers(lo, PROFILE.max_n))


seeds = st.integers(0, 2**32 - 1)
orders = st.sampled_from(["sorted", "shuffled"])
overlaps = st.sampled_from([1.0, 1.0, 0.9, 0.5])


def universe(n: int) -> np.ndarray:
    return np.array([f"id{i:05d}" for i in range(n)], dtype=object)


def index_of(rng: np.random.Generator, ids: np.ndarray, order: str, keep: float = 1.0,
             dup: bool = False, name: Optional[str] = "id") -> pd.Index:
    """Some of the universe's ids (``keep`` of them), in sorted or shuffled order, one id
    repeated when ``dup``."""
    chosen = ids[rng.random(len(ids)) < keep] if keep < 1.0 else ids.copy()
    if order == "shuffled":
        chosen = chosen[rng.permutation(len(chosen))]
    if dup and len(chosen) >= 2:
        chosen[rng.integers(1, len(chosen))] = chosen[0]
    return pd.Index(chosen, name=name)


VALUE_KINDS = ["uniform", "uniform", "ties", "constant", "nan", "inf"]


def values(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    if kind == "uniform":
        return rng.random(n)
    if kind == "ties":
        return np.round(rng.random(n) * 4) / 4
    if kind == "constant":
        return np.full(n, 0.5)
    out = rng.random(n)
    if n:
        if kind == "nan":
            out[rng.random(n) < 0.2] = np.nan
        elif kind == "inf":
            out[rng.integers(0, n)] = rng.choice([np.inf, -np.inf])
    return out


TARGET_KINDS = ["bucket", "bucket", "bucket_nan", "returns", "float32", "float32_nan", "int",
                "string", "constant"]


def target_values(rng: np.random.Generator, n: int, kind: str) -> Any:
    bucket = rng.choice([0.0, 0.25, 0.5, 0.75, 1.0], size=n)
    if kind == "bucket":
        return bucket
    if kind == "bucket_nan":
        bucket[rng.random(n) < 0.2] = np.nan
        return bucket
    if kind == "returns":
        return rng.normal(0, 0.05, n)
    if kind == "float32":
        return bucket.astype(np.float32)
    if kind == "float32_nan":
        bucket[rng.random(n) < 0.2] = np.nan
        return bucket.astype(np.float32)
    if kind == "int":
        return rng.integers(0, 5, n)
    if kind == "string":
        return np.array([str(v) for v in bucket], dtype=object)
    return np.full(n, 0.5)


def is_f32(*objs: Any) -> bool:
    for o in objs:
        if isinstance(o, pd.Series) and o.dtype == np.float32:
            return True
        if isinstance(o, pd.DataFrame) and any(d == np.float32 for d in o.dtypes):
            return True
        if isinstance(o, np.ndarray) and o.dtype == np.float32:
            return True
    return False


FEATURE_KINDS = ["int8", "int8", "float32", "float64", "inf", "duplicated", "constant", "none"]

# The neutralize family also meets columns on scales 1e-6..1e6 of each other, where lstsq's
# SVD truncation at rcond=1e-6 and the kernel's Cholesky may keep different directions
# (issue 23): the drop-in must then give lstsq's answer.
NEUTRALIZER_KINDS = FEATURE_KINDS + ["scaled", "scaled"]


def feature_frame(rng: np.random.Generator, index: pd.Index, f: int, kind: str) -> pd.DataFrame:
    """Features 0..4 as Numerai stores them; ``none`` has no columns at all; ``scaled``
    adds normal noise and multiplies each column by 10^-6..10^6."""
    n = len(index)
    if kind == "none":
        return pd.DataFrame(index=index)
    data = rng.integers(0, 5, size=(n, f))
    columns = [f"feature_{j}" for j in range(f)]
    if kind in ("int8", "duplicated", "constant"):
        data = data.astype(np.int8)
        if kind == "duplicated" and f >= 2:
            data[:, 1] = data[:, 0]
        if kind == "constant":
            data[:, 0] = 2
    elif kind == "float32":
        data = data.astype(np.float32)
    elif kind == "scaled":
        scales = 10.0 ** rng.integers(-6, 7, size=f)
        data = (data + rng.normal(size=(n, f))) * scales
    else:
        data = data.astype(np.float64)
        if kind == "inf" and n:
            data[rng.integers(0, n), rng.integers(0, f)] = np.inf
    return pd.DataFrame(data, index=index, columns=columns)


def prediction_frame(rng: np.random.Generator, index: pd.Index, kinds: List[str],
                     f32: bool = False) -> pd.DataFrame:
    data = {f"model_{j}": values(rng, len(index), kind) for j, kind in enumerate(kinds)}
    frame = pd.DataFrame(data, index=index)
    return frame.astype(np.float32) if f32 else frame


def top_bottoms(n_hint: int = 40) -> st.SearchStrategy[Optional[int]]:
    return st.one_of(st.none(), st.sampled_from([0, 1, 2, 5]), st.integers(1, n_hint))


# ---------------------------------------------------------------------------------------
# comparing outcomes


class Mismatch(AssertionError):
    pass


def _close(got: np.ndarray, want: np.ndarray, rtol: float, atol: float, where: str) -> None:
    if got.shape != want.shape:
        raise Mismatch(f"{where}: shape {got.shape} != {want.shape}")
    if want.dtype.kind in "fc" or got.dtype.kind in "fc":
        g = got.astype(np.float64)
        w = want.astype(np.float64)
        same_nan = np.isnan(g) == np.isnan(w)
        if not same_nan.all():
            raise Mismatch(f"{where}: NaN at different places\n got {g}\nwant {w}")
        ok = np.isclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
        if not ok.all():
            bad = np.flatnonzero(~ok.ravel())[:5]
            raise Mismatch(f"{where}: values differ at {bad}: got {g.ravel()[bad]}, "
                           f"want {w.ravel()[bad]}")
    else:
        missing = pd.isna(got)
        if not (np.array_equal(missing, pd.isna(want))
                and np.array_equal(got[~missing], want[~missing])):
            raise Mismatch(f"{where}: values differ\n got {got}\nwant {want}")


def assert_same(got: Any, want: Any, rtol: float = RTOL, atol: float = ATOL,
                where: str = "result") -> None:
    """Type, labels, dtypes and values of ``got`` as ``want``'s (floats to the tolerance)."""
    if type(got) is not type(want):
        raise Mismatch(f"{where}: type {type(got).__name__} != {type(want).__name__}")
    if isinstance(want, pd.DataFrame):
        pd.testing.assert_index_equal(got.columns, want.columns, exact=True, obj=f"{where}.columns")
        pd.testing.assert_index_equal(got.index, want.index, exact=True, obj=f"{where}.index")
        if list(got.dtypes) != list(want.dtypes):
            raise Mismatch(f"{where}: dtypes {list(got.dtypes)} != {list(want.dtypes)}")
        for col in range(want.shape[1]):
            _close(got.iloc[:, col].to_numpy(), want.iloc[:, col].to_numpy(), rtol, atol,
                   f"{where}[{want.columns[col]!r}]")
    elif isinstance(want, pd.Series):
        pd.testing.assert_index_equal(got.index, want.index, exact=True, obj=f"{where}.index")
        if got.name != want.name:
            raise Mismatch(f"{where}: name {got.name!r} != {want.name!r}")
        if got.dtype != want.dtype:
            raise Mismatch(f"{where}: dtype {got.dtype} != {want.dtype}")
        _close(got.to_numpy(), want.to_numpy(), rtol, atol, where)
    elif isinstance(want, np.ndarray):
        if got.dtype != want.dtype:
            raise Mismatch(f"{where}: dtype {got.dtype} != {want.dtype}")
        _close(got, want, rtol, atol, where)
    elif isinstance(want, (tuple, list)):
        if len(got) != len(want):
            raise Mismatch(f"{where}: length {len(got)} != {len(want)}")
        if isinstance(want, list) and all(isinstance(v, str) for v in want):
            # numerai-tools builds these lists from a set: the order is not defined.
            got, want = sorted(got), sorted(want)
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, rtol, atol, f"{where}[{i}]")
    elif isinstance(want, dict):
        if set(got) != set(want):
            raise Mismatch(f"{where}: keys {set(got)} != {set(want)}")
        for k in want:
            assert_same(got[k], want[k], rtol, atol, f"{where}[{k!r}]")
    elif isinstance(want, (float, np.floating)):
        _close(np.array([got]), np.array([want]), rtol, atol, where)
    elif got != want:
        raise Mismatch(f"{where}: {got!r} != {want!r}")


@dataclass
class Outcome:
    value: Any = None
    error: Optional[BaseException] = None
    inputs: Tuple[Any, ...] = ()


# Calls of each reference function (test_differential prints how many examples ran).
CALLS: Counter = Counter()


def run(fn: Callable[..., Any], case: Case) -> Outcome:
    CALLS[fn] += 1
    trace = os.environ.get("ERASCORE_DIFF_TRACE")
    if trace:  # the case about to run, for a call that never returns
        with open(trace, "w") as f:
            f.write(f"{fn.__module__}.{fn.__name__}\n{case!r}\n")
    args = copy.deepcopy(case.args)
    kwargs = copy.deepcopy(case.kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = fn(*args, **kwargs)
        except Exception as e:  # noqa: BLE001 - the outcome is what is compared
            return Outcome(error=e, inputs=args + tuple(kwargs.values()))
    return Outcome(value=value, inputs=args + tuple(kwargs.values()))


def compare(ref: Outcome, got: Outcome, case: Case) -> None:
    """Same outcome: the same exception type (or a subclass) where the reference raises, an
    equal result where it returns, and the same effect on the inputs either way."""
    rtol, atol = (F32_RTOL, F32_ATOL) if case.float32 else (RTOL, ATOL)
    if ref.error is not None:
        if got.error is None:
            raise Mismatch(f"numerai-tools raises {type(ref.error).__name__}({ref.error}), "
                           f"erascore returns {got.value!r}")
        if not isinstance(got.error, type(ref.error)):
            raise Mismatch(f"numerai-tools raises {type(ref.error).__name__}({ref.error}), "
                           f"erascore {type(got.error).__name__}({got.error})")
    elif got.error is not None:
        raise Mismatch(f"numerai-tools returns {ref.value!r}, erascore raises "
                       f"{type(got.error).__name__}({got.error})") from got.error
    else:
        assert_same(got.value, ref.value, rtol, atol)
    for i, (g, w) in enumerate(zip(got.inputs, ref.inputs)):
        # In-place effects are compared exactly, partial failures included.
        if ref.error is not None and not isinstance(w, (pd.DataFrame, pd.Series)):
            continue
        assert_same(g, w, 0.0, 0.0, f"input #{i} after the call")


# ---------------------------------------------------------------------------------------
# one strategy per public function


@st.composite
def one_input(draw, frame: bool, kinds=VALUE_KINDS, sorted_only: bool = False,
              series_ok: bool = False, int8: bool = False) -> Tuple[Any, bool]:
    """A frame of 0..3 columns (or a Series) of one kind of values each, in float64 or
    float32 (or, with ``int8``, sometimes int8 values 0..4 as Numerai stores features),
    with string ids."""
    rng = np.random.default_rng(draw(seeds))
    n = draw(sizes())
    order = "sorted" if sorted_only else draw(orders)
    idx = index_of(rng, universe(n), order, dup=draw(st.booleans()) and draw(st.booleans()))
    f32 = draw(st.booleans()) and draw(st.booleans())
    as_series = not frame or (series_ok and draw(st.booleans()))
    k = 1 if as_series else draw(st.integers(0, 3))
    df = prediction_frame(rng, idx, [draw(st.sampled_from(kinds)) for _ in range(k)], f32)
    if int8 and draw(st.integers(0, 3)) == 0:
        df = pd.DataFrame(rng.integers(0, 5, df.shape).astype(np.int8), index=df.index,
                          columns=df.columns)
        f32 = False
    if as_series:
        s = df.iloc[:, 0]
        return (s.rename(None) if draw(st.booleans()) else s), f32
    return df, f32


def unary(frame: bool, extra: Optional[st.SearchStrategy] = None, kinds=VALUE_KINDS,
          sorted_only: bool = False, series_ok: bool = False, int8: bool = False):
    @st.composite
    def strat(draw):
        x, f32 = draw(one_input(frame, kinds, sorted_only, series_ok, int8))
        more = draw(extra) if extra is not None else {}
        return Case((x,), more, float32=f32)
    return strat()


@st.composite
def pair(draw, series_target: bool = True) -> Case:
    """(target, predictions) Series on overlapping ids."""
    rng = np.random.default_rng(draw(seeds))
    n = draw(sizes())
    ids = universe(n)
    dup = draw(st.booleans()) and draw(st.booleans())
    t_idx = index_of(rng, ids, draw(orders), draw(overlaps), dup)
    p_idx = index_of(rng, ids, draw(orders), draw(overlaps))
    t = pd.Series(target_values(rng, len(t_idx), draw(st.sampled_from(TARGET_KINDS))),
                  index=t_idx, name=draw(st.sampled_from(["target", None])))
    p = pd.Series(values(rng, len(p_idx), draw(st.sampled_from(VALUE_KINDS))), index=p_idx,
                  name=draw(st.sampled_from(["prediction", None])))
    return Case((t, p), float32=is_f32(t))


def with_top_bottom(base, name: str = "top_bottom", n: int = 40):
    @st.composite
    def strat(draw):
        case = draw(base)
        case.kwargs[name] = draw(top_bottoms(n))
        return case
    return strat()


@st.composite
def scoring_inputs(draw, meta: bool = False, neutralizers: bool = False,
                   same_index_features: bool = False) -> Dict[str, Any]:
    """Predictions (frame, several columns), a target, optionally a meta model and
    neutralizers, on a shared universe with partial overlap."""
    rng = np.random.default_rng(draw(seeds))
    n = draw(sizes())
    ids = universe(n)
    dup = draw(st.booleans()) and draw(st.booleans()) and draw(st.booleans())
    order = draw(orders)
    p_idx = index_of(rng, ids, "sorted" if same_index_features else order,
                     1.0 if same_index_features else draw(overlaps), dup)
    kinds = [draw(st.sampled_from(VALUE_KINDS)) for _ in range(draw(st.integers(1, 3)))]
    out: Dict[str, Any] = {
        "predictions": prediction_frame(rng, p_idx, kinds, draw(st.booleans()) and draw(st.booleans())),
    }
    t_idx = index_of(rng, ids, draw(orders), draw(overlaps), dup and draw(st.booleans()))
    out["targets"] = pd.Series(
        target_values(rng, len(t_idx), draw(st.sampled_from(TARGET_KINDS))), index=t_idx,
        name=draw(st.sampled_from(["target", None])),
    )
    if meta:
        m_idx = index_of(rng, ids, draw(orders), draw(overlaps), dup and draw(st.booleans()))
        out["meta_model"] = pd.Series(
            values(rng, len(m_idx), draw(st.sampled_from(["uniform", "uniform", "ties", "nan",
                                                          "constant"]))),
            index=m_idx, name=draw(st.sampled_from(["meta_model", None])))
    if neutralizers:
        f_idx = p_idx if same_index_features else index_of(rng, ids, draw(orders), draw(overlaps))
        kind = draw(st.sampled_from(NEUTRALIZER_KINDS))
        if kind == "inf":  # see neutralize_case: only finite, varying predictions
            out["predictions"] = prediction_frame(rng, p_idx, ["uniform"] * len(kinds))
            if meta:
                out["meta_model"] = out["meta_model"].fillna(0.5)
                out["meta_model"].iloc[:] = rng.random(len(out["meta_model"]))
        # numpy's lstsq can also spin forever on an infinite value among several
        # neutralizers: one infinite neutralizer (it always returns there).
        width = 1 if kind == "inf" else draw(st.integers(1, 6))
        out["neutralizers"] = feature_frame(rng, f_idx, width, kind)
    out["float32"] = any(is_f32(v) for v in out.values() if not isinstance(v, bool))
    return out


def scored(fn_args: Callable[[Dict[str, Any]], Tuple[tuple, dict]], **flags):
    @st.composite
    def strat(draw):
        inputs = draw(scoring_inputs(**flags))
        args, kwargs = fn_args(inputs)
        if "top_bottom" in kwargs:
            kwargs["top_bottom"] = draw(top_bottoms())
        return Case(args, kwargs, float32=inputs["float32"])
    return strat()


@st.composite
def numerai_corr_case(draw) -> Case:
    """``scored`` inputs with numerai_corr's own options, and sometimes an infinite
    target."""
    inputs = draw(scoring_inputs())
    t = inputs["targets"]
    if len(t) and t.dtype.kind == "f" and draw(st.integers(0, 5)) == 0:
        t = t.copy()
        t.iloc[draw(st.integers(0, len(t) - 1))] = draw(st.sampled_from([np.inf, -np.inf]))
    kwargs: Dict[str, Any] = {"top_bottom": draw(top_bottoms())}
    if draw(st.booleans()):
        kwargs["target_pow15"] = draw(st.booleans())
    if draw(st.integers(0, 3)) == 0:
        kwargs["max_filtered_index_ratio"] = draw(st.sampled_from([0.0, 0.5, 1.0]))
    p = inputs["predictions"]
    if draw(st.integers(0, 9)) == 0:
        p = p.iloc[:, :0]  # no prediction column
    return Case((p, t), kwargs, float32=inputs["float32"])


@st.composite
def filter_many(draw) -> Case:
    rng = np.random.default_rng(draw(seeds))
    ids = universe(draw(sizes()))
    items: List[Any] = []
    for _ in range(draw(st.integers(0, 3))):
        idx = index_of(rng, ids, draw(orders), draw(overlaps))
        if draw(st.booleans()):
            items.append(pd.Series(values(rng, len(idx), draw(st.sampled_from(VALUE_KINDS))), index=idx))
        else:
            items.append(prediction_frame(rng, idx, [draw(st.sampled_from(VALUE_KINDS))]))
    kwargs = {} if draw(st.booleans()) else {"max_filtered_ratio": draw(st.sampled_from([0.0, 0.5, 1.0]))}
    return Case((items,), kwargs)


@st.composite
def filter_two(draw) -> Case:
    case = draw(pair())
    if draw(st.booleans()):
        case.kwargs["max_filtered_ratio"] = draw(st.sampled_from([0.0, 0.5, 1.0]))
    return case


@st.composite
def top_bottom_split(draw) -> Case:
    x, f32 = draw(one_input(frame=False))
    return Case((x, draw(st.integers(0, 50))), float32=f32)


@st.composite
def rank_case(draw, series: bool) -> Case:
    x, f32 = draw(one_input(frame=not series, sorted_only=draw(st.booleans()), int8=True))
    kwargs = {}
    if draw(st.booleans()):
        kwargs["method"] = draw(st.sampled_from(["average", "min", "max", "first", "dense"]))
    return Case((x,), kwargs, float32=f32)


@st.composite
def power_case(draw) -> Case:
    x, f32 = draw(one_input(frame=True, sorted_only=draw(st.booleans()), int8=True))
    if draw(st.booleans()):
        x = x - 0.5  # negative values too
    return Case((x, draw(st.sampled_from([1.5, 1.5, 0.5, 2.0, 1.0]))), float32=f32)


@st.composite
def gaussian_case(draw) -> Case:
    """Percentiles, with the ends 0 and 1 and values outside [0, 1]."""
    x, f32 = draw(one_input(frame=True, sorted_only=draw(st.booleans()), series_ok=True))
    if draw(st.booleans()) and len(x):
        edge = draw(st.sampled_from([0.0, 1.0, -0.5, 1.5]))
        if isinstance(x, pd.Series):
            x.iloc[0] = edge
        elif x.shape[1]:
            x.iloc[0, 0] = edge
    return Case((x,), float32=f32)


@st.composite
def orthogonalize_case(draw) -> Case:
    rng = np.random.default_rng(draw(seeds))
    n = draw(sizes(1))
    k = draw(st.integers(1, 3))
    dtype = draw(st.sampled_from([np.float64, np.float64, np.float32]))
    v = rng.normal(size=(n, k)).astype(dtype)
    u = rng.normal(size=n).astype(draw(st.sampled_from([dtype, np.float64])))
    shape = draw(st.sampled_from(["matrix", "matrix", "vector"]))
    if shape == "vector":
        v = v[:, 0]
    if draw(st.booleans()) and draw(st.booleans()):
        u = np.zeros(n, dtype=u.dtype)
    odd = draw(st.sampled_from(["none", "none", "none", "nan", "inf", "int", "list"]))
    if odd in ("nan", "inf"):
        v = v.copy()
        v.flat[rng.integers(0, v.size)] = np.nan if odd == "nan" else np.inf
    elif odd == "int":
        v, u = np.round(v * 3).astype(np.int64), np.round(u * 3).astype(np.int8)
    elif odd == "list":
        v, u = v.tolist(), u.tolist()
    return Case((v, u), float32=dtype == np.float32)


@st.composite
def stake_weight_case(draw) -> Case:
    rng = np.random.default_rng(draw(seeds))
    n = draw(sizes())
    idx = index_of(rng, universe(n), draw(orders))
    k = draw(st.integers(1, 4))
    f32 = draw(st.booleans()) and draw(st.booleans())
    p = prediction_frame(rng, idx, [draw(st.sampled_from(VALUE_KINDS)) for _ in range(k)], f32)
    names = list(p.columns[: draw(st.integers(1, k))])
    stakes = pd.Series(rng.integers(0, 100, len(names)).astype(float), index=names)
    if draw(st.booleans()):
        stakes = stakes.astype(np.float32)
    if draw(st.booleans()) and draw(st.booleans()):
        stakes.iloc[0] = np.nan
    odd = draw(st.sampled_from(["none", "none", "none", "missing", "zero", "int"]))
    if odd == "missing":
        stakes = stakes.rename(index={names[-1]: "model_x"})
    elif odd == "zero":
        stakes[:] = 0
    elif odd == "int":
        stakes = stakes.fillna(0).astype(np.int64)
    return Case((p, stakes), float32=f32 or is_f32(stakes))


@st.composite
def contribution_scores_case(draw) -> Case:
    rng = np.random.default_rng(draw(seeds))
    n = draw(sizes(1))
    idx = index_of(rng, universe(n), "sorted")
    k = draw(st.integers(1, 3))
    neutral = rng.normal(size=(n, k))
    if draw(st.booleans()) and draw(st.booleans()):
        neutral = neutral[:, 0]
        k = 1
    kind = draw(st.sampled_from(TARGET_KINDS[:-2]))
    t = pd.Series(target_values(rng, n, kind), index=idx, name="target")
    preds = prediction_frame(rng, idx, ["uniform"] * k)
    return Case((neutral, t, preds), {"top_bottom": draw(top_bottoms())}, float32=is_f32(t))


@st.composite
def neutralize_case(draw, proportion: bool, infinite: bool = True) -> Case:
    rng = np.random.default_rng(draw(seeds))
    n = draw(sizes())
    idx = index_of(rng, universe(n), draw(orders))
    kinds = [draw(st.sampled_from(VALUE_KINDS)) for _ in range(draw(st.integers(0, 3)))]
    df = prediction_frame(rng, idx, kinds, draw(st.booleans()) and draw(st.booleans()))
    nidx = idx if draw(st.integers(0, 5)) else index_of(rng, universe(n), draw(orders))
    kind = draw(st.sampled_from(NEUTRALIZER_KINDS))
    if kind == "inf":
        # numpy's lstsq can spin forever on an infinite neutralizer with nothing finite to
        # solve for (no columns, or a NaN / infinite one): such cases have no reference.
        if not kinds or not infinite:
            kind = "float64"
        df = pd.DataFrame(rng.random(df.shape), index=df.index, columns=df.columns)
    nz = feature_frame(rng, nidx, 1 if kind == "inf" else draw(st.integers(1, 6)), kind)
    kwargs = {"proportion": draw(st.sampled_from([1.0, 0.5, 0.0]))} if proportion else {}
    return Case((df, nz), kwargs, float32=is_f32(df, nz))


@st.composite
def one_hot_case(draw) -> Case:
    rng = np.random.default_rng(draw(seeds))
    n = draw(sizes())
    idx = index_of(rng, universe(n), draw(orders))
    frame = pd.DataFrame({
        "a": rng.integers(0, 4, n),
        "b": np.round(rng.random(n) * 3) / 2,
        "c": rng.choice(["x", "y", "z"], n),
        "d": rng.random(n),
    }, index=idx)
    if draw(st.booleans()) and n:
        frame.loc[frame.index[rng.random(n) < 0.3], "b"] = np.nan
    if draw(st.integers(0, 5)) == 0 and n:
        frame.loc[frame.index[rng.integers(0, n)], "b"] = np.inf
    # text with missing values: None and NaN are separate categories
    frame["e"] = pd.Series(rng.choice(np.array(["x", "y", None, np.nan], dtype=object), n),
                           index=idx, dtype=object)
    cols = draw(st.lists(st.sampled_from(["a", "b", "c", "e"]), max_size=3, unique=True))
    kwargs = {} if draw(st.booleans()) else {"dtype": draw(st.sampled_from([np.float64, np.float32, np.int8, int]))}
    return Case((frame, cols), kwargs)


@st.composite
def max_feature_case(draw) -> Case:
    rng = np.random.default_rng(draw(seeds))
    n = draw(sizes())
    ids = universe(n)
    s_idx = index_of(rng, ids, draw(st.sampled_from(["sorted", "sorted", "shuffled"])))
    s = pd.Series(values(rng, n, draw(st.sampled_from(VALUE_KINDS))), index=s_idx,
                  name=draw(st.sampled_from(["prediction", None])))
    how = draw(st.sampled_from(["same", "same", "reordered", "partial"]))
    f_idx = {"same": s_idx, "reordered": index_of(rng, ids, "shuffled"),
             "partial": index_of(rng, ids, "sorted", 0.9)}[how]
    f = feature_frame(rng, f_idx, draw(st.integers(1, 5)), draw(st.sampled_from(FEATURE_KINDS)))
    return Case((s, f), {"top_bottom": draw(top_bottoms())}, float32=is_f32(f))


@st.composite
def signals_inputs(draw, stakes: bool = False) -> Case:
    rng = np.random.default_rng(draw(seeds))
    n = draw(sizes())
    ids = universe(n)
    k = draw(st.integers(1, 3))
    p_idx = index_of(rng, ids, draw(orders), draw(overlaps))
    kinds = [draw(st.sampled_from(["uniform", "uniform", "ties", "constant", "nan"])) for _ in range(k)]
    p = prediction_frame(rng, p_idx, kinds)
    nz_idx = index_of(rng, ids, draw(orders), draw(overlaps))
    nz = pd.DataFrame(rng.normal(size=(len(nz_idx), draw(st.integers(1, 4)))), index=nz_idx)
    nz.columns = [f"factor_{j}" for j in range(nz.shape[1])]
    w_idx = index_of(rng, ids, draw(orders), draw(overlaps))
    w = pd.Series(rng.random(len(w_idx)) + 0.1, index=w_idx, name="weight")
    t_idx = index_of(rng, ids, draw(orders), draw(overlaps))
    t = pd.Series(target_values(rng, len(t_idx), draw(st.sampled_from(["returns", "bucket", "bucket_nan"]))),
                  index=t_idx, name="target")
    if stakes:
        names = list(p.columns)
        sk = pd.Series(rng.integers(0, 10, k).astype(float), index=names)
        if draw(st.booleans()):
            sk.iloc[0] = np.nan
        return Case((p, sk, nz, w, t))
    return Case((p, nz, w))


@st.composite
def neutralized_weights_case(draw) -> Case:
    case = draw(signals_inputs())
    case.kwargs["center_and_normalize"] = draw(st.booleans())
    return case


@st.composite
def alpha_case(draw) -> Case:
    p, sk, nz, w, t = draw(signals_inputs(stakes=True)).args
    return Case((p, nz, w, t))


@st.composite
def churn_case(draw) -> Case:
    case = draw(pair())
    t, p = case.args
    if not pd.api.types.is_numeric_dtype(t.dtype):
        t = t.astype(float)
    return Case((t, p), {"top_bottom": draw(top_bottoms())})


@st.composite
def turnover_case(draw) -> Case:
    case = draw(pair())
    t, p = case.args
    if not pd.api.types.is_numeric_dtype(t.dtype) and draw(st.booleans()):
        t = t.astype(float)
    return Case((t, p), float32=is_f32(t))


@st.composite
def neutral_churn_case(draw) -> Case:
    rng = np.random.default_rng(draw(seeds))
    n = draw(sizes())
    ids = universe(n)
    signals, frames = [], []
    for _ in range(2):
        kind = draw(st.sampled_from(FEATURE_KINDS[:-1]))
        # numpy's lstsq can spin forever on an infinite neutralizer among several, or with
        # a NaN right-hand side (a constant signal's): there the reference never answers
        # (docs/python.md). An infinite neutralizer comes alone, with a signal whose
        # gaussianized ranks vary on any two rows (NaN and infinite values included).
        s_kind = draw(st.sampled_from(["uniform", "nan", "inf"] if kind == "inf" else VALUE_KINDS))
        s_idx = index_of(rng, ids, draw(orders), draw(overlaps), draw(st.booleans()) and draw(st.booleans()))
        signals.append(pd.Series(values(rng, len(s_idx), s_kind), index=s_idx, name="signal"))
        n_idx = index_of(rng, ids, draw(orders), draw(overlaps))
        frames.append(feature_frame(rng, n_idx, 1 if kind == "inf" else draw(st.integers(1, 4)), kind))
    parts = (*signals, *frames)
    return Case(parts, float32=is_f32(*parts))


@st.composite
def penalty_case(draw) -> Case:
    finite = st.floats(-0.5, 2.5)
    anything = st.one_of(finite, st.sampled_from([np.nan, np.inf, 0.0, 2.0, 0.1]))
    kwargs = {}
    if draw(st.booleans()):
        kwargs["threshold"] = draw(anything)
    if draw(st.booleans()):
        kwargs["scaling_factor"] = draw(st.one_of(st.floats(-1, 1e4), st.sampled_from([np.nan, 0.0, 1e308])))
    return Case((draw(anything),), kwargs)


@st.composite
def churn_history_case(draw) -> Case:
    """A current Signals submission and up to three previous ones, each with its era's
    universe (sample weights) and neutralizers."""
    rng = np.random.default_rng(draw(seeds))
    n = draw(st.one_of(st.integers(0, 120), st.integers(100, max(100, PROFILE.max_n))))
    ids = np.array([f"T{i:05d}" for i in range(n)], dtype=object)

    def era():
        universe_idx = index_of(rng, ids, "sorted", draw(st.sampled_from([1.0, 0.95, 0.7])), name="ticker")
        weights = pd.Series(rng.random(len(universe_idx)) + 0.1, index=universe_idx)
        nz = pd.DataFrame(rng.normal(size=(len(universe_idx), 2)), index=universe_idx,
                          columns=["f0", "f1"])
        sub_idx = index_of(rng, ids, draw(orders), draw(st.sampled_from([1.0, 0.9, 0.5])), name="ticker")
        kind = draw(st.sampled_from(["uniform", "uniform", "ties", "constant"]))
        sub = pd.Series(values(rng, len(sub_idx), kind), index=sub_idx,
                        name=draw(st.sampled_from(["signal", "prediction", "bad"])))
        return sub, nz, weights

    cur = era()
    prev = {f"2024-01-{d:02d}": era() for d in range(1, draw(st.integers(0, 3)) + 1)}
    return Case((cur[0], cur[1], cur[2], {k: v[0] for k, v in prev.items()},
                 {k: v[1] for k, v in prev.items()}, {k: v[2] for k, v in prev.items()}))


ID_NAMES = ["id", "ticker", "symbol", "numerai_ticker", "bad_id"]
PRED_NAMES = ["prediction", "probability", "signal", "bad"]


@st.composite
def submission(draw, min_n: int = 0) -> Tuple[pd.DataFrame, pd.Series, str]:
    rng = np.random.default_rng(draw(seeds))
    n = draw(st.one_of(st.integers(min_n, 8), st.integers(90, 130)))
    id_col = draw(st.sampled_from(ID_NAMES))
    pred_col = draw(st.sampled_from(PRED_NAMES))
    ids = np.array([f"T{i:04d}" for i in range(n)], dtype=object)
    live = pd.Series(ids[rng.random(n) < draw(st.sampled_from([1.0, 0.9]))], name=id_col)
    sub_ids = ids[rng.random(n) < draw(st.sampled_from([1.0, 1.0, 0.9]))].copy()
    sub_ids = sub_ids[rng.permutation(len(sub_ids))]
    if draw(st.booleans()) and draw(st.booleans()) and len(sub_ids) > 1:
        sub_ids[1] = sub_ids[0]
    preds = values(rng, len(sub_ids), draw(st.sampled_from(["uniform", "uniform", "ties", "constant", "nan"])))
    if draw(st.booleans()) and draw(st.booleans()) and len(preds):
        preds[0] = draw(st.sampled_from([1.2, -0.1, 1.0 + 1e-12, -1e-12]))
    if draw(st.booleans()) and draw(st.booleans()) and len(sub_ids):
        sub_ids = sub_ids.copy()
        sub_ids[0] = None
    cols = {id_col: sub_ids, pred_col: preds}
    extra = draw(st.sampled_from([None, None, "date", "friday_date", "data_type"]))
    if extra:
        cols[extra] = "2024-01-05"
    frame = pd.DataFrame(cols)
    if extra and draw(st.booleans()):
        frame = frame[[extra, id_col, pred_col]]
    return frame, live, id_col


@st.composite
def headers_case(draw, date: bool = False) -> Case:
    frame, _, _ = draw(submission())
    kwargs = {"assert_date_col": draw(st.booleans())} if date and draw(st.booleans()) else {}
    return Case((frame,), kwargs)


@st.composite
def values_case(draw) -> Case:
    frame, _, _ = draw(submission())
    return Case((frame, draw(st.sampled_from([frame.columns[-1], frame.columns[1 % len(frame.columns)]]))))


@st.composite
def ids_case(draw) -> Case:
    frame, live, id_col = draw(submission())
    return Case((live, frame, id_col))


@st.composite
def submission_case(draw, universe_frame: bool) -> Case:
    frame, live, id_col = draw(submission())
    univ = live.to_frame() if universe_frame else live
    return Case((univ, frame))


@st.composite
def remap_case(draw) -> Case:
    rng = np.random.default_rng(draw(seeds))
    n = draw(sizes())
    src = np.array([f"T{i:04d}" for i in range(n)], dtype=object)
    mapping = pd.DataFrame({"ticker": src, "composite_figi": [f"F{i:04d}" for i in rng.permutation(n)]})
    mapping = mapping.sample(frac=draw(st.sampled_from([1.0, 0.8])), random_state=int(rng.integers(1 << 30)))
    sub_ids = src[rng.random(n) < draw(st.sampled_from([1.0, 0.7]))]
    data = pd.DataFrame({"ticker": sub_ids, "signal": rng.random(len(sub_ids))})
    dst = draw(st.sampled_from(["ticker", "composite_figi"]))
    return Case((data, mapping, "ticker", dst))


@st.composite
def clean_case(draw) -> Case:
    case = draw(remap_case())
    data, mapping, src, dst = case.args
    if draw(st.booleans()) and len(data) > 1:
        data.loc[0, "signal"] = np.nan
    kwargs: Dict[str, Any] = {"rank_and_fill": draw(st.booleans())}
    if draw(st.booleans()):
        kwargs["dst_id_col"] = dst
    if draw(st.booleans()):
        kwargs["dst_signal_col"] = "prediction"
    return Case((mapping, data, "ticker", "signal"), kwargs)


def _tb(inputs):
    return (inputs["predictions"], inputs["targets"]), {"top_bottom": None}


STRATEGIES: Dict[str, st.SearchStrategy[Case]] = {
    # scoring: index helpers
    "scoring.filter_sort_index": filter_two(),
    "scoring.filter_sort_index_many": filter_many(),
    "scoring.filter_sort_top_bottom": top_bottom_split(),
    "scoring.filter_sort_top_bottom_concat": top_bottom_split(),
    # ranks and transforms
    "scoring.rank_series": rank_case(series=True),
    "scoring.rank": rank_case(series=False),
    "scoring.tie_broken_rank": unary(frame=True, int8=True),
    "scoring.tie_kept_rank": unary(frame=True, series_ok=True, int8=True),
    "scoring.min_max_normalize": unary(frame=False),
    "scoring.variance_normalize": unary(frame=True, series_ok=True, int8=True),
    "scoring.weight_normalize": unary(frame=True, series_ok=True, int8=True),
    "scoring.center": unary(frame=True, series_ok=True),
    "scoring.standardize": unary(frame=True, int8=True),
    "scoring.power": power_case(),
    "scoring.gaussian": gaussian_case(),
    "scoring.orthogonalize": orthogonalize_case(),
    "scoring.one_hot_encode": one_hot_case(),
    "scoring.tie_kept_rank__gaussianize__pow_1_5": unary(frame=True, int8=True),
    # Its ranked, gaussianized predictions are finite, and lstsq can spin forever on those
    # with an infinite neutralizer (docs/python.md): no infinite neutralizers here.
    "scoring.tie_kept_rank__gaussianize__neutralize__variance_normalize": neutralize_case(
        proportion=False, infinite=False),
    "scoring.neutralize": neutralize_case(proportion=True),
    # correlations
    "scoring.validate_indices": pair(),
    "scoring.correlation": pair(),
    "scoring.tie_broken_rank_correlation": pair(),
    "scoring.spearman_correlation": pair(),
    "scoring.pearson_correlation": with_top_bottom(pair()),
    "scoring.sharpe_ratio": unary(frame=False, int8=True),
    # scores
    "scoring.stake_weight": stake_weight_case(),
    "scoring.contribution_scores": contribution_scores_case(),
    "scoring.numerai_corr": numerai_corr_case(),
    "scoring.correlation_contribution": scored(
        lambda i: ((i["predictions"], i["meta_model"], i["targets"]), {"top_bottom": None}),
        meta=True),
    "scoring.neutral_contribution": scored(
        lambda i: ((i["predictions"], i["meta_model"], i["neutralizers"], i["targets"]),
                   {"top_bottom": None}), meta=True, neutralizers=True),
    "scoring.neutral_correlation": scored(
        lambda i: ((i["predictions"], i["neutralizers"], i["targets"]), {"top_bottom": None}),
        neutralizers=True),
    "scoring.feature_neutral_corr": scored(
        lambda i: ((i["predictions"], i["neutralizers"], i["targets"]), {"top_bottom": None}),
        neutralizers=True, same_index_features=True),
    "scoring.max_feature_correlation": max_feature_case(),
    # Signals scores
    "scoring.generate_neutralized_weights": neutralized_weights_case(),
    "scoring.alpha": alpha_case(),
    "scoring.meta_portfolio_contribution": signals_inputs(stakes=True),
    # signals
    "signals.churn": churn_case(),
    "signals.turnover": turnover_case(),
    "signals.neutral_churn": neutral_churn_case(),
    "signals.neutral_churn_penalty": penalty_case(),
    "signals.calculate_mean_neutral_churn": churn_history_case(),
    "signals.calculate_max_churn_and_turnover": churn_history_case(),
    # submissions
    "submissions.validate_headers_numerai": headers_case(),
    "submissions.validate_headers_signals": headers_case(date=True),
    "submissions.validate_headers_crypto": headers_case(),
    "submissions.validate_values": values_case(),
    "submissions.validate_ids_numerai": ids_case(),
    "submissions.validate_ids_signals": ids_case(),
    "submissions.validate_ids_crypto": ids_case(),
    "submissions.validate_submission_numerai": submission_case(universe_frame=False),
    "submissions.validate_submission_signals": submission_case(universe_frame=True),
    "submissions.validate_submission_crypto": submission_case(universe_frame=True),
    "submissions.remap_ids": remap_case(),
    "submissions.clean_submission": clean_case(),
}
