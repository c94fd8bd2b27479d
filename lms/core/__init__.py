"""Shared plumbing: pure helpers every feature may use.

Nothing here imports Flask or a feature package, so services, jobs, the CLI
and pure domain modules can all depend on it (a test enforces the rule).
"""
