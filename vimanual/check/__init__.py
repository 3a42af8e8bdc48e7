"""vimanual check: the runner and its rules over a chapter's Markdown."""
