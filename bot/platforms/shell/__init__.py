"""The terminal adapter: talk to Parvis with no account or token."""
