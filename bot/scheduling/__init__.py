"""Scheduling: the database is the schedule; a dispatcher claims due rows with a lease."""
