"""First-run set-up: the organisation row, and an optional example cooperative."""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

from bot.members.model import College, Role, Statutes, new_invitation_code
from bot.members.repository import (
    InvitationRepository,
    MemberRepository,
    OrganisationRepository,
)
from bot.members.service import MembersService, OrganisationInfo, org_info
from bot.settings import OrganisationDefaults
from bot.storage.tables import InvitationRow, OrganisationRow
from bot.storage.uow import Database

EXAMPLE_COLLEGES = (
    College("salaries", "Salariés", "Employees", Fraction(2, 5)),
    College("usagers", "Usagers", "Service users", Fraction(2, 5)),
    College("collectivites", "Collectivités", "Local authorities", Fraction(1, 5)),
)
EXAMPLE_MEMBERS = (
    ("Awa Diallo", "salaries", Role.ASSOCIATE),
    ("Bruno Martin", "salaries", Role.ASSOCIATE),
    ("Chloé Bernard", "usagers", Role.ASSOCIATE),
    ("David Petit", "usagers", Role.ASSOCIATE),
    ("Élise Moreau", "usagers", Role.BOARD),
    ("Mairie de Saint-Ouen-la-Forêt", "collectivites", Role.ASSOCIATE),
)


async def ensure_organisation(db: Database, defaults: OrganisationDefaults) -> OrganisationInfo:
    """Create the configured organisation if it does not exist yet."""
    async with db.uow() as uow:
        repo = OrganisationRepository(uow.session)
        row = await repo.by_slug(defaults.slug)
        if row is None:
            row = await repo.add(
                OrganisationRow(
                    slug=defaults.slug,
                    name=defaults.name,
                    timezone=defaults.timezone,
                    language=defaults.language,
                    settings={},
                    created_at=uow.clock.now(),
                )
            )
            await uow.commit()
        return org_info(row)


async def seed_example(db: Database, org: OrganisationInfo) -> list[str]:
    """Give an empty organisation three legal collèges and a few members; returns codes."""
    async with db.uow() as uow:
        orgs = OrganisationRepository(uow.session)
        if (await orgs.current_statutes(org.id)).colleges:
            return []
        await orgs.add_statutes(
            org.id,
            Statutes(version=1, colleges=EXAMPLE_COLLEGES, quorum=Fraction(1, 4)),
            uow.clock.now(),
            None,
            "example",
        )
        members = MemberRepository(uow.session)
        service = MembersService(uow, org)
        codes = []
        for name, college, role in EXAMPLE_MEMBERS:
            roles = [Role.PARTICIPANT, Role.ASSOCIATE] + ([role] if role != Role.ASSOCIATE else [])
            await members.add(org.id, name, roles, college, "fr", uow.clock.now())
        invitations = InvitationRepository(uow.session)
        for example in EXAMPLE_COLLEGES:
            row = await invitations.add(
                InvitationRow(
                    organisation_id=org.id,
                    code=new_invitation_code(),
                    role=Role.ASSOCIATE.value,
                    college_key=example.key,
                    max_uses=20,
                    uses=0,
                    expires_at=uow.clock.now() + timedelta(days=90),
                    revoked=False,
                    created_at=uow.clock.now(),
                )
            )
            codes.append(f"{example.key}: {row.code}")
        await service.log(None, "example.seed", org.name, {"members": len(EXAMPLE_MEMBERS)})
        await uow.commit()
        return codes
