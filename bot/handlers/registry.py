"""Every feature's handlers registered on one router (the handlers' composition)."""

from __future__ import annotations

from bot.handlers import (
    admin_members,
    ballot,
    ballot_state,
    conversation,
    notifications,
    nudges,
    onboarding,
    poll_admin,
    poll_wizard,
    statutes,
)
from bot.handlers.linking import link, unlink
from bot.handlers.router import Router
from bot.i18n import N_
from bot.members.model import Role


def build_router() -> Router:
    """The router with every command, button verb and conversation."""
    router = Router()
    router.command(
        "start",
        onboarding.start,
        N_("join with your invitation code"),
        aliases=("demarrer", "démarrer"),
        usage="[CODE]",
    )
    router.command(
        "help",
        onboarding.build_help(router),  # type: ignore[arg-type]
        N_("the commands you can use"),
        aliases=("aide",),
    )
    router.command(
        "language",
        onboarding.language,
        N_("choose your language"),
        aliases=("langue", "lang"),
        usage="fr|en",
    )
    router.command(
        "whoami",
        onboarding.whoami,
        N_("what Parvis knows about you"),
        aliases=("moi", "quisuisje"),
    )
    router.command(
        "cancel", conversation.cancel, N_("stop what you are doing"), aliases=("annuler",)
    )
    router.action("lang", onboarding.language_button)
    router.command(
        "notifications",
        notifications.notifications,
        N_("reminders on or off, quiet hours"),
        aliases=("notifs",),
        usage="[on|off|quiet 22:00-07:30]",
    )

    router.command(
        "polls",
        ballot.polls_list,
        N_("the open polls you can answer"),
        aliases=("sondages", "votes", "consultations"),
    )
    router.command(
        "vote",
        ballot.vote_command,
        N_("answer a poll"),
        aliases=("voter", "repondre", "répondre"),
        usage="[NUMBER]",
    )
    for verb, handler in {
        "ans": ballot.start_button,
        "pick": ballot.pick,
        "tog": ballot.toggle,
        "rank": ballot.rank,
        "grade": ballot.grade,
        "val": ballot.value,
        "done": ballot.done,
        "undo": ballot.undo,
        "blank": ballot.blank,
        "skip": ballot.skip,
        "back": ballot.back,
        "goto": ballot.goto,
        "submit": ballot.submit,
    }.items():
        router.action(verb, handler)
    router.conversation(ballot_state.KIND, ballot.typed)
    router.command(
        "results",
        poll_admin.results_command,
        N_("the results of a poll"),
        aliases=("resultats", "résultats"),
        usage="NUMBER",
    )
    router.command(
        "ballots",
        poll_admin.ballots_command,
        N_("the published ballots of a closed secret poll, to check your receipt"),
        aliases=("bulletins", "recus", "reçus"),
        usage="NUMBER",
    )
    router.command(
        "poll",
        poll_admin.poll,
        N_("create and run polls"),
        aliases=("sondage", "scrutin"),
        usage="new|list|show|open|close|results|export …",
        role=Role.ADMIN,
    )
    router.command(
        "remind",
        nudges.remind_command,
        N_("remind now the members who have not answered a poll"),
        aliases=("rappel", "relancer"),
        usage="NUMBER",
        role=Role.ADMIN,
    )
    router.action("remind", nudges.remind_button)
    router.command(
        "digest",
        nudges.digest_command,
        N_("the board digest: see it now or send it now"),
        aliases=("synthese", "synthèse"),
        usage="preview|send",
        role=frozenset({Role.ADMIN, Role.BOARD}),  # the board previews, admins send
    )
    router.command(
        "announce",
        nudges.announce_command,
        N_("announce new polls in this group too"),
        aliases=("annoncer",),
        usage="here|off",
        role=Role.ADMIN,
    )
    router.action("popen", poll_admin.open_button)
    router.action("pcancel", poll_admin.cancel_button)
    router.action("pnew", poll_wizard.button)
    router.conversation(poll_wizard.KIND, poll_wizard.typed)

    admin = Role.ADMIN
    router.command(
        "college",
        statutes.college,
        N_("add, rename or list the collèges"),
        aliases=("collège", "colleges"),
        usage="add|rename|list",
        role=admin,
    )
    router.command(
        "weights",
        statutes.weights,
        N_("show or set the weights of the collèges"),
        aliases=("poids",),
        usage="[40/40/20]",
        role=admin,
    )
    router.command(
        "statutes",
        statutes.statutes,
        N_("the statutes and their history"),
        aliases=("statuts",),
        usage="[set RULE VALUE]",
        role=admin,
    )
    router.command(
        "invite",
        admin_members.invite,
        N_("create an invitation code"),
        aliases=("inviter",),
        usage="COLLÈGE [role] [uses] [expiry]",
        role=admin,
    )
    router.command(
        "roster",
        admin_members.roster,
        N_("import a list of people (CSV)"),
        aliases=("liste",),
        usage="import",
        role=admin,
    )
    router.command(
        "members",
        admin_members.members,
        N_("list the members"),
        aliases=("membres",),
        usage="[COLLÈGE]",
        role=admin,
    )
    router.command(
        "role",
        admin_members.role,
        N_("give or take a role"),
        aliases=("rôle",),
        usage="grant|revoke NAME ROLE",
        role=admin,
    )
    router.command(
        "audit",
        admin_members.audit,
        N_("the latest administrator actions"),
        aliases=("journal",),
        usage="[N]",
        role=admin,
    )
    router.conversation("roster", conversation.waiting_for_roster)
    router.files(admin_members.roster_file)
    router.command(
        "link",
        link,
        N_("link your account on another platform (one member, one vote)"),
        aliases=("lier",),
        usage="[CODE]",
    )
    router.command(
        "unlink", unlink, N_("unlink an account"), aliases=("delier", "délier"), usage="[PLATFORM]"
    )
    return router
