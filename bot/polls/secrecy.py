"""Secret-ballot primitives: per-poll secrets, keyed pseudonyms, random ids and receipt codes.

While a secret poll is open, a ballot is keyed by ``HMAC-SHA256(poll secret, member)`` so the
voter can replace it. At the close the secret is erased; without it the pseudonym is a random
string, and nothing links a ballot to a person. Receipts are random (not derived from the
member or the secret), so publishing them reveals nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid

SECRET_BYTES = 32
RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I confusion
RECEIPT_LENGTH = 12
_RECEIPT_CHARS = re.compile(r"[^A-Z0-9]")


def new_poll_secret() -> bytes:
    """A fresh random per-poll secret (32 bytes)."""
    return secrets.token_bytes(SECRET_BYTES)


def pseudonym(secret: bytes, poll_id: int, member_id: int) -> str:
    """The keyed pseudonym of a member in one secret poll (hex, 64 characters)."""
    if len(secret) < SECRET_BYTES:
        raise ValueError("poll secret too short")
    message = f"parvis/ballot/v1/poll:{poll_id}/member:{member_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def nominative_key(member_id: int) -> str:
    """The voter key of a nominative ballot: the member, openly."""
    return f"member:{member_id}"


def new_ballot_id() -> str:
    """A random ballot id (uuid4): insert order reveals nothing."""
    return str(uuid.uuid4())


def new_receipt() -> str:
    """A random receipt code shown once to the voter, like ``K7QM-4XPD-A9RT`` (60 bits).

    Sixty random bits make a repeated code within one poll negligible (about 4 in a billion
    for 100,000 ballots), so receipts are drawn without a database round trip.
    """
    code = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))
    return format_receipt(code)


def format_receipt(code: str) -> str:
    """Group a receipt code by four characters for reading aloud."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_receipt(text: str) -> str:
    """Receipts are typed case-, space- and dash-insensitively."""
    raw = _RECEIPT_CHARS.sub("", text.upper())
    return format_receipt(raw) if len(raw) == RECEIPT_LENGTH else raw
