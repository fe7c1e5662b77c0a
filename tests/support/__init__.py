"""Shared test support: databases on both backends, the app, scripted shell conversations."""
