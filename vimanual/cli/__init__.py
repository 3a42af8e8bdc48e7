"""The command line: one module per job; it parses options, calls the core and renders."""

from __future__ import annotations

import sys
import types
from typing import Any


def _defer(module: str, *names: str) -> None:
    """Let ``module`` load when it is first used, not when typer's help module imports it.

    typer's help (``typer.rich_utils``) imports, at the top, ``rich.markdown`` (and with it
    markdown-it and its rules) and ``rich.traceback`` (and with it ``rich.syntax`` and
    Pygments), but makes a ``Markdown`` only in ``rich_markup_mode="markdown"`` (this app
    uses "rich") and a ``Traceback`` only for pretty exceptions (turned off). Importing them
    was about half of ``vimanual --help``. Until one of ``names`` is called or looked into, or
    another name of the module is read, a stand-in takes the module's place; any of these
    loads the real module, which then replaces it everywhere later imports look.
    """
    if module in sys.modules:
        return
    parent, _, child = module.rpartition(".")

    def real() -> types.ModuleType:
        if sys.modules.get(module) is stand_in:
            del sys.modules[module]
        __import__(module)
        return sys.modules[module]

    class Forward(type):
        """A name of the module: calling it, or reading from it, uses the real one."""

        def __call__(cls, *args: Any, **kwargs: Any) -> Any:
            return getattr(real(), cls.__name__)(*args, **kwargs)

        def __getattr__(cls, attribute: str) -> Any:
            if attribute.startswith("__"):
                raise AttributeError(attribute)
            return getattr(getattr(real(), cls.__name__), attribute)

    class Deferred(types.ModuleType):
        def __getattr__(self, name: str) -> Any:
            if name.startswith("__"):  # the import system asks for __path__ and the like
                raise AttributeError(name)
            return getattr(real(), name)

    stand_in = Deferred(module)
    for name in names:
        setattr(stand_in, name, Forward(name, (), {}))
    sys.modules[module] = stand_in
    __import__(parent)
    setattr(sys.modules[parent], child, stand_in)  # as importing the submodule would


_defer("rich.markdown", "Markdown")
_defer("rich.traceback", "Traceback")
