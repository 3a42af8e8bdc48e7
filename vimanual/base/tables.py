"""How long a table takes to lay out in the PDF, and how much memory: one cost model for check
(from the Markdown) and for the build (from the chapter's HTML, before any layout starts).

WeasyPrint 70 lays a table out in time linear in its rows and cells, not growing with the
pages it spans (bench/README.md, "Long tables"): a 20,000-row table takes minutes, and a
chapter whose tables cannot be laid out within ``limits.pdf_timeout_seconds`` is refused up
front instead of failing when the limit is reached; so is one whose tables need more memory
than ``limits.pdf_memory_mb`` allows a layout worker (the layout holds every cell's boxes).
The costs are measured by ``bench/tables.py`` (the marginal CPU time of a whole draft build,
per row and per cell, and the worker's peak memory, on tables of short cells: the cheapest
kind, so the model is a floor for real tables).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Milliseconds of layout per table row and per cell: the lower of two least-squares fits by
#: bench/tables.py on the development machine (2 shared cores, WeasyPrint 70, an untagged draft:
#: the cheaper kind of PDF), 2026-12-02: 0.48 ms a row + 1.44 ms a cell, and 2.22 + 1.28 in a
#: second run. Measured, 3 columns cost 3.3-6.4 ms a row (the model: 4.7), 8 columns 11-15 ms
#: (the model: 11.7), a little more a row the longer the table; the build's floor is a third.
MS_PER_ROW = 0.5
MS_PER_CELL = 1.4
#: The build refuses only what a machine this many times faster than the one measured could
#: still not lay out within the limit: a refusal is never a close call.
MARGIN = 3.0
#: check warns about a table expected to take more than this share of the limit.
WARN_SHARE = 0.25
#: Memory the layout worker holds per table cell, over what a short chapter takes: about the
#: least of bench/tables.py's runs (11.6-12.2 KB at 12,000 and 16,000 cells, 16-17 KB at 24,000
#: to 64,000: 1.2 GB for 8,000 rows × 8 columns). The cap (RLIMIT_DATA) bit at about the
#: resident size: 2,000 rows × 8 columns (355 MiB) laid out under a 420 MB cap, not under 330.
KB_PER_CELL = 12
#: The build refuses only tables whose memory, divided by this, is over the cap.
MEMORY_MARGIN = 2.0
#: check warns about a table expected to need more than this share of the memory cap.
WARN_MEMORY_SHARE = 0.5


@dataclass(frozen=True)
class TableSize:
    """One table's rows (the header row included) and cells."""

    rows: int
    cells: int

    @property
    def columns(self) -> int:
        return round(self.cells / self.rows) if self.rows else 0

    def describe(self) -> str:
        """'20,001 rows × 3 columns'."""
        return f"{self.rows:,} rows × {self.columns} column{'s' if self.columns != 1 else ''}"


def expected_seconds(tables: list[TableSize]) -> float:
    """Layout time the tables are expected to take on a machine like the one measured."""
    return sum(t.rows * MS_PER_ROW + t.cells * MS_PER_CELL for t in tables) / 1000


def least_seconds(tables: list[TableSize]) -> float:
    """Layout time the tables take at the least, on any machine (see MARGIN)."""
    return expected_seconds(tables) / MARGIN


def expected_mib(tables: list[TableSize]) -> float:
    """Memory (MiB) a layout worker is expected to hold for the tables, at the least measured."""
    return sum(t.cells for t in tables) * KB_PER_CELL / 1024


def least_mib(tables: list[TableSize]) -> float:
    """Memory the tables take at the least (see MEMORY_MARGIN)."""
    return expected_mib(tables) / MEMORY_MARGIN


_TABLE_TAGS_RE = re.compile(r"<(table|tr|td|th)\b", re.I)


def html_tables(html: str) -> list[TableSize]:
    """Every table in ``html`` with its rows and cells (a row or cell counts to the table last
    opened before it; pandoc's tables do not nest)."""
    counts: list[list[int]] = []
    for match in _TABLE_TAGS_RE.finditer(html):
        tag = match.group(1).lower()
        if tag == "table":
            counts.append([0, 0])
        elif counts:
            counts[-1][0 if tag == "tr" else 1] += 1
    return [TableSize(rows, cells) for rows, cells in counts if rows]


@dataclass(frozen=True)
class Excess:
    """Why a chapter's tables cannot be laid out: the least time or memory they take, over its
    limit (the other of the two is 0)."""

    largest: TableSize
    seconds: float = 0.0
    mib: float = 0.0


def over_limits(html: str, limit_seconds: float, memory_mb: int) -> Excess | None:
    """Why ``html``'s tables cannot be laid out within ``limit_seconds`` on any machine, or in a
    worker capped at ``memory_mb``; None when they can (or might)."""
    tables = html_tables(html)
    if not tables:
        return None
    largest = max(tables, key=lambda t: (t.cells, t.rows))
    seconds = least_seconds(tables)
    if seconds > limit_seconds:
        return Excess(largest, seconds=seconds)
    mib = least_mib(tables)
    if mib > memory_mb:
        return Excess(largest, mib=mib)
    return None
