"""What a benchmark returns: rows of figures, some of them checked against a target."""

from __future__ import annotations

import math
import resource
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    """One printed figure. `target` is shown beside it; `ok` is None for plain information."""

    label: str
    value: str
    target: str = ""
    ok: bool | None = None

    @property
    def verdict(self) -> str:
        return {None: "", True: "met", False: "MISSED"}[self.ok]


def at_least(label: str, value: float, target: float, unit: str = "", fmt: str = ".0f") -> Row:
    return Row(label, f"{value:{fmt}}{unit}", f">= {target:{fmt}}{unit}", value >= target)


def at_most(label: str, value: float, target: float, unit: str = "", fmt: str = ".0f") -> Row:
    return Row(label, f"{value:{fmt}}{unit}", f"<= {target:{fmt}}{unit}", value <= target)


def info(label: str, value: object) -> Row:
    return Row(label, str(value))


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (`share` between 0 and 1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(share * len(ordered))))
    return ordered[rank - 1]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(name: str, rows: list[Row]) -> str:
    """The rows as an aligned text table under the benchmark's name."""
    header = ("figure", "measured", "target", "")
    lines = [header] + [(r.label, r.value, r.target, r.verdict) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    out = [f"== {name}"]
    for line in lines:
        out.append("  " + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip())
    return "\n".join(out)
