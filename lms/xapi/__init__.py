"""xAPI statements to a learning record store (docs/deploy.md, "xAPI")."""
