"""The intake corpus: real-world-shaped Word, OpenDocument, HTML and Markdown submissions."""
