"""Who sent an event the adapter answers by itself (a file too large, a message it could not
decrypt): the event is claimed, so the answer is given once, even after a restart."""

from __future__ import annotations

from bot.app import App
from bot.i18n import Translator, negotiate_language
from bot.members.model import Member
from bot.members.repository import MemberRepository
from bot.platforms.matrix.messenger import PLATFORM


async def claim_for_answer(
    app: App, event_id: str, sender: str
) -> tuple[Member | None, Translator] | None:
    """Claim the event; the sender as a member (None for strangers) and a translator in their
    language (else the organisation's). None when the event was answered before."""
    org = await app.dispatcher.organisation()
    async with app.db.uow() as uow:
        if not await uow.claim_event(f"matrix:{event_id}"):
            return None
        member = await MemberRepository(uow.session).by_identity(org.id, PLATFORM, sender)
        await uow.commit()
    language = (member.language if member else None) or negotiate_language(None, org.language)
    return member, Translator(language, org.timezone)
