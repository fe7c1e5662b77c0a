"""Platform-neutral feature handlers: Interaction + Context -> Reply."""
