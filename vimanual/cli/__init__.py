"""The command line: one module per job; it parses options, calls the core and renders."""
