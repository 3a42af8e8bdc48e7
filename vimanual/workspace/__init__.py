"""The workspace on disk: loading and validating manual.yaml and chapters, edits, scaffold."""
