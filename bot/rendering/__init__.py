"""Views to neutral screens (no platform imports): results, charts, poll screens."""
