"""The application's scheduled work: polls that open and close on time, reminders, turnout
alerts, results reports, board digests and reports to administrators.

Job handlers run inside the dispatcher's unit of work and only *plan* deliveries (one row per
recipient); the ``PlatformDeliverySender`` renders each one in its member's language when it
goes out. See docs/scheduling.md.
"""
