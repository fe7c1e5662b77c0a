"""Result charts (matplotlib, headless): readable in grayscale, labels on the bars."""

from __future__ import annotations

import io
from collections.abc import Mapping
from fractions import Fraction

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bot.i18n import Translator


def choice_chart(
    t: Translator,
    title: str,
    labels: list[str],
    headcount: Mapping[str, Fraction],
    weighted: Mapping[str, Fraction] | None,
    keys: list[str],
) -> tuple[bytes, str]:
    """A horizontal bar chart of shares (headcount and weighted side by side) and its caption."""
    figure, axes = plt.subplots(figsize=(7, 1.2 + 0.6 * len(keys)), dpi=100)
    try:
        positions = range(len(keys))
        height = 0.38 if weighted is not None else 0.6
        series = [(t("Headcount"), headcount, "#bbbbbb", "")]
        if weighted is not None:
            series.insert(0, (t("Weighted by collège"), weighted, "#333333", "//"))
        for index, (name, shares, color, hatch) in enumerate(series):
            offset = (index - (len(series) - 1) / 2) * height
            values = [float(shares.get(key, 0)) * 100 for key in keys]
            bars = axes.barh(
                [p + offset for p in positions],
                values,
                height=height,
                color=color,
                hatch=hatch,
                edgecolor="black",
                label=name,
            )
            for bar, key in zip(bars, keys, strict=True):
                axes.text(
                    bar.get_width() + 1,
                    bar.get_y() + bar.get_height() / 2,
                    t.percent(shares.get(key, Fraction(0))),
                    va="center",
                    fontsize=9,
                )
        axes.set_yticks(list(positions), labels)
        axes.invert_yaxis()
        axes.set_xlim(0, 115)
        axes.set_xlabel("%")
        axes.set_title(title[:80])
        axes.legend(loc="lower right", fontsize=8)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    finally:
        plt.close(figure)
    caption = "; ".join(
        f"{label}: {t.percent(headcount.get(key, Fraction(0)))}"
        + (
            f" ({t('weighted')} {t.percent(weighted.get(key, Fraction(0)))})"
            if weighted is not None
            else ""
        )
        for label, key in zip(labels, keys, strict=True)
    )
    return buffer.getvalue(), caption
