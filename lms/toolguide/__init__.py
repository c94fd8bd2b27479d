"""The tool-selection guide: a dated comparison table trainers keep in git (`toolguide/tools.yaml`), the rules
that turn a company's answers into a recommendation, and a test kit for a two-week pilot. Stateless: no models."""
