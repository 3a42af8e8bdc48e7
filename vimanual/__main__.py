from __future__ import annotations

from vimanual.cli import main

main()
