"""Device trust for end-to-end encrypted rooms (the `trust_policy` setting).

Megolm room keys go to every device of every member; the question is only how the bot treats
devices nobody verified interactively (a bot cannot scan QR codes):

* `trust_on_first_use` (default): the first time the bot sees a device of a room member, it
  marks it verified in its crypto store. nio keeps the device's keys from then on: if a known
  device id later shows up with *different* keys, nio does not accept them, so a swapped
  device cannot silently take over. New devices of a member are trusted when first seen.
* `ignore_unverified`: the bot never marks devices; it sends with
  `ignore_unverified_devices=True` (keys are shared, nothing is recorded as trusted).

Blacklisted devices (an operator may blacklist one in the store) never receive keys.
"""

from __future__ import annotations

import logging

from nio import AsyncClient

from bot.platforms.matrix.config import TrustPolicy

log = logging.getLogger(__name__)


def trust_room_devices(nio: AsyncClient, room_id: str) -> int:
    """Verify, on first sight, every device of the members of an encrypted room."""
    room = nio.rooms.get(room_id)
    if room is None or nio.olm is None:
        return 0
    trusted = 0
    for user_id in list(room.users):
        for device in nio.device_store.active_user_devices(user_id):
            if device.verified or device.blacklisted:
                continue
            nio.verify_device(device)
            trusted += 1
    if trusted:
        log.info("matrix: trusted %d new device(s) on first use", trusted)
    return trusted


def send_ignoring_unverified(nio: AsyncClient, room_id: str, policy: TrustPolicy) -> bool:
    """Prepare a send to a room; True means "pass ignore_unverified_devices=True"."""
    room = nio.rooms.get(room_id)
    if room is None or not room.encrypted or nio.olm is None:
        return False
    if policy == "ignore_unverified":
        return True
    trust_room_devices(nio, room_id)
    return False
