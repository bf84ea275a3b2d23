"""Figures of ``Diagnostics``, ``Payout`` and ``Compare`` (``.plot()``): matplotlib is an
optional dependency, imported only here, only when a figure is drawn."""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np
import pandas as pd

# The cumulative metrics of Numerai's website, in its order; those computed are drawn.
CUMULATIVE_METRICS = ("corr", "mmc", "bmc", "fnc")


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError(
            "plotting needs matplotlib: pip install matplotlib (or erascore[plot])"
        ) from e
    return plt


def cumulative(per_era: pd.DataFrame, metric: str, target: str) -> pd.DataFrame:
    """Eras x models: the cumulative sum of ``metric`` against ``target`` over eras (a NaN
    era adds nothing), as each line of :func:`plot_diagnostics` draws it."""
    rows = per_era[per_era["target"] == target]
    wide = rows.pivot(index="era", columns="model", values=metric)
    order = list(dict.fromkeys(rows["era"]))
    models = list(dict.fromkeys(rows["model"]))
    curves: pd.DataFrame = wide.loc[order, models].fillna(0.0).cumsum()
    return curves


def plot_diagnostics(
    per_era: pd.DataFrame, target: Optional[str] = None, metrics: Optional[Sequence[str]] = None
) -> Any:
    """One axis per metric (CORR, MMC, BMC, FNC: those computed), the cumulative per-era
    score of every model overlaid, as Numerai's website shows them."""
    plt = _pyplot()
    if target is None:
        target = str(per_era["target"].iloc[0])
    chosen = [m for m in (metrics or CUMULATIVE_METRICS) if m in per_era.columns]
    if not chosen:
        raise ValueError(f"metrics: none of {list(metrics or CUMULATIVE_METRICS)} was computed")
    fig, axes = plt.subplots(len(chosen), 1, figsize=(9, 2.8 * len(chosen)), sharex=True, squeeze=False)
    for ax, metric in zip(axes[:, 0], chosen):
        curves = cumulative(per_era, metric, target)
        x = np.arange(len(curves))
        for model in curves.columns:
            ax.plot(x, curves[model].to_numpy(), label=str(model))
        ax.set_ylabel(f"cumulative {metric.upper()}")
        ax.axhline(0.0, color="0.6", linewidth=0.8)
        ax.set_xticks(x[:: max(1, len(x) // 10)])
        ax.set_xticklabels(list(curves.index[:: max(1, len(x) // 10)]), rotation=45)
    axes[0, 0].set_title(f"target {target}")
    axes[0, 0].legend(loc="upper left", fontsize="small")
    axes[-1, 0].set_xlabel("era")
    fig.tight_layout()
    return fig


def plot_payout(trajectory: pd.DataFrame) -> Any:
    """The stake of every model round by round, overlaid."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 3.5))
    for model, rows in trajectory.groupby("model", sort=False):
        ax.plot(np.arange(len(rows)), rows["stake"].to_numpy(), label=str(model))
    ax.set_xlabel("round")
    ax.set_ylabel("stake")
    ax.legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    return fig


def plot_fan(fan: pd.DataFrame) -> Any:
    """One axis per model: the bootstrapped stakes' 5-95% and 25-75% bands round by round,
    their median and the realised stake, as ``erascore payout --bootstrap --chart`` draws
    them (``fan`` as ``Payout.fan`` holds it)."""
    plt = _pyplot()
    models = list(dict.fromkeys(fan["model"]))
    fig, axes = plt.subplots(
        len(models), 1, figsize=(9, 3.5 * len(models)), sharex=False, squeeze=False
    )
    for ax, model in zip(axes[:, 0], models):
        rows = fan[fan["model"] == model]
        x = rows["step"].to_numpy()
        ax.fill_between(x, rows["p05"].to_numpy(), rows["p95"].to_numpy(), alpha=0.2,
                        color="C0", linewidth=0, label="5-95%")
        ax.fill_between(x, rows["p25"].to_numpy(), rows["p75"].to_numpy(), alpha=0.35,
                        color="C0", linewidth=0, label="25-75%")
        ax.plot(x, rows["p50"].to_numpy(), color="C0", linestyle="--", label="median")
        ax.plot(x, rows["actual"].to_numpy(), color="black", label="realised")
        ax.axhline(float(rows["actual"].iloc[0]), color="0.6", linewidth=0.8)
        ax.set_title(str(model))
        ax.set_xlabel("rounds resolved")
        ax.set_ylabel("stake")
        ax.legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    return fig


def plot_compare(per_model: pd.DataFrame) -> Any:
    """Each configuration's distribution of total payouts over the models (a box each)."""
    plt = _pyplot()
    configs = list(dict.fromkeys(per_model["config"]))
    data = [per_model.loc[per_model["config"] == c, "total_payout"].to_numpy() for c in configs]
    fig, ax = plt.subplots(figsize=(max(4, 1.6 * len(configs)), 3.5))
    ax.boxplot(data)
    ax.set_xticks(np.arange(1, len(configs) + 1))
    ax.set_xticklabels(configs)
    ax.set_ylabel("total payout per model")
    fig.tight_layout()
    return fig
