"""The JSON API under /api/v1 (flask-smorest, OpenAPI 3.1) and the personal access tokens that open it."""
