"""The libyaml-backed strict loader must accept, refuse and locate exactly as the Python one."""

from __future__ import annotations

import pytest

from vimanual.base import yamlio
from vimanual.base.errors import VimanualError

DOCS = [
    "title: Alpha\nreviewed_by: [UK, AU]\nlead: UK\n",
    "a:\n  b:\n    - 1\n    - two\n    - {c: 3.5, d: null}\nflag: yes\nwhen: 2025-01-01\n",
    "",
    "# only a comment\n",
    "quoted: \"line\\nbreak \\u00e9\"\nfolded: >\n  one\n  two\n",
]
BAD = [
    "a: &x 1\nb: *x\n",
    "a: 1\nb: [*x]\n",
    "a: 1\na: 2\n",
    "<<: {a: 1}\n",
    "a: !!python/name:os.system x\n",
    "a: [1\n",
    "x: 1\n---\ny: 2\n",
    "- a list\n",
    "? [a, b]\n: c\n",
]


@pytest.mark.skipif(yamlio._FastStrictLoader is None, reason="PyYAML without libyaml")
@pytest.mark.parametrize("text", DOCS)
def test_fast_loader_gives_the_same_document(text: str) -> None:
    fast = yamlio.parse_yaml(text, "f.yaml", first_line=3)
    slow = yamlio._parse_yaml_python(text, "f.yaml", 3)
    assert (fast.data, fast.lines, fast.first_line) == (slow.data, slow.lines, slow.first_line)


@pytest.mark.parametrize("text", BAD)
def test_fast_loader_refuses_with_the_python_loaders_message(text: str) -> None:
    with pytest.raises(VimanualError) as fast:
        yamlio.parse_yaml(text, "f.yaml")
    with pytest.raises(VimanualError) as slow:
        yamlio._parse_yaml_python(text, "f.yaml", 1)
    assert (fast.value.message, fast.value.hint) == (slow.value.message, slow.value.hint)
    assert fast.value.message.startswith("f.yaml:")
