"""The book: chapters through pandoc into HTML, the build pipeline and the live preview."""
