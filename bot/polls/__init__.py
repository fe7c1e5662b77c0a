"""Consultations and deliberations."""
