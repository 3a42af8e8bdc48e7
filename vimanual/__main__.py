from __future__ import annotations

from vimanual.cli.app import main

main()
