"""The PDF: WeasyPrint behind a restricted fetcher, parallel layout, stitching, fonts."""
