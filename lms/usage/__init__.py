"""Vendor AI-usage exports as telemetry beside the weekly self-report (issue 15): parsers, imports, pages, CLI."""
