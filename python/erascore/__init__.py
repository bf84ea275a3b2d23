"""erascore: Numerai scoring with the numbers of numerai-tools 0.7.2, computed in Rust.

- ``erascore.score(data, predictions, meta_model=None, ...)``: per-era metrics of every
  prediction column of whole frames or files, as one pandas DataFrame.
- ``erascore.diagnostics(data, predictions, meta_model=None, ...)``: per-era metrics, the
  payout score and statistics over eras, as ``erascore diagnostics`` computes them.
- ``erascore.payout(scores, stake=..., rule="2024", ...)``: stake trajectories under a
  payout rule, as ``erascore payout`` simulates them.
- ``erascore.numerai_tools.scoring`` / ``.signals`` / ``.submissions``: a drop-in for
  numerai-tools 0.7.2 (change the import, keep the code).

pandas and pyarrow are imported on first use, so ``import erascore`` stays cheap.
"""

from __future__ import annotations

from typing import Any

from erascore._erascore import __version__

__all__ = ["score", "diagnostics", "Diagnostics", "payout", "Payout", "numerai_tools", "__version__"]


def __getattr__(name: str) -> Any:
    if name in ("score", "diagnostics", "Diagnostics", "payout", "Payout"):
        from erascore import _frames

        return getattr(_frames, name)
    if name == "numerai_tools":
        import importlib

        return importlib.import_module("erascore.numerai_tools")
    raise AttributeError(f"module 'erascore' has no attribute {name!r}")
