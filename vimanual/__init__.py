"""vimanual: assemble an international good-practice manual on victim identification."""

from __future__ import annotations

__version__ = "0.1.0"
