"""erascore: Numerai scoring with the numbers of numerai-tools 0.7.2, computed in Rust.

- ``erascore.score(data, predictions, meta_model=None, ...)``: per-era metrics of every
  prediction column of whole frames or files, as one pandas DataFrame.
- ``erascore.diagnostics(data, predictions, meta_model=None, ...)``: per-era metrics, the
  payout score and statistics over eras, as ``erascore diagnostics`` computes them.
- ``erascore.payout(scores, stake=..., rule="2024", ...)``: stake trajectories under a
  payout rule, as ``erascore payout`` simulates them.
- ``erascore.compare(data, predictions, stakes, configs, ...)``: scoring configurations
  compared over a tournament, as ``erascore compare`` computes them.
- ``erascore.neutralize(data, predictions, proportion=..., features=...)``: predictions
  neutralized era by era, as ``erascore neutralize`` writes them.
- ``erascore.Evaluator(data, meta_model=None, ...)``: one validation set prepared once;
  ``.score(predictions)`` per new prediction vector, ``.metric("corr")`` for training loops.
- ``erascore.ray.score`` / ``.diagnostics`` / ``.compare``: the same over a Ray cluster.
- ``erascore.numerai_tools.scoring`` / ``.signals`` / ``.submissions``: a drop-in for
  numerai-tools 0.7.2 (change the import, keep the code).

pandas and pyarrow are imported on first use, so ``import erascore`` stays cheap.
"""

from __future__ import annotations

from typing import Any

from erascore._erascore import __version__

__all__ = [
    "score", "diagnostics", "Diagnostics", "payout", "Payout", "compare", "Compare",
    "neutralize", "Evaluator", "EraMetric", "EraScorer", "numerai_tools", "ray", "exceptions",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in ("score", "diagnostics", "Diagnostics", "payout", "Payout", "compare", "Compare"):
        from erascore import _frames

        return getattr(_frames, name)
    if name in ("Evaluator", "EraMetric", "EraScorer"):
        from erascore import _evaluator

        return getattr(_evaluator, name)
    if name == "neutralize":
        from erascore import _neutralize

        return _neutralize.neutralize
    if name in ("numerai_tools", "ray", "exceptions"):
        import importlib

        return importlib.import_module(f"erascore.{name}")
    raise AttributeError(f"module 'erascore' has no attribute {name!r}")
