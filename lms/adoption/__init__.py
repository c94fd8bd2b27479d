"""Weekly AI-usage check-ins and the executive adoption dashboard."""
