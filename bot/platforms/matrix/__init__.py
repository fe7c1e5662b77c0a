"""Matrix adapter (matrix-nio): DMs, commands with `!`, numbered choices, reactions, E2EE.

The only package besides `bot/platforms/telegram` allowed to import its SDK (`nio`).
See docs/matrix.md.
"""
