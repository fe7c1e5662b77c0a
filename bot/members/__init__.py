"""Organisations, statutes and collèges, members, roles, identities, invitations, audit."""
