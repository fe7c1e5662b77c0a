"""Typed identifiers of the domain."""

from __future__ import annotations

from typing import NewType

OrganisationId = NewType("OrganisationId", int)
MemberId = NewType("MemberId", int)
CollegeId = NewType("CollegeId", int)
StatutesId = NewType("StatutesId", int)
InvitationId = NewType("InvitationId", int)
PollId = NewType("PollId", int)
QuestionId = NewType("QuestionId", int)
