from __future__ import annotations

from vimanual.cli.entry import main

main()
