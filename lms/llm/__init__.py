"""The optional AI model: an OpenAI-compatible chat-completions endpoint, called only by the outbox worker."""
