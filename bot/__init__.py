"""Parvis: participatory governance for SCIC cooperatives, in chat."""
