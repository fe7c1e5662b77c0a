"""Joining with an invitation, help, language, who am I."""

from __future__ import annotations

from bot.core.errors import DomainError
from bot.handlers.context import Context
from bot.handlers.router import Router
from bot.i18n import LANGUAGES, N_, Translator
from bot.members.model import Role
from bot.platforms.ports import Action, Button, Command, Interaction, Reply, Screen, Tone

ROLE_NAMES = {
    Role.PARTICIPANT: N_("participant"),
    Role.ASSOCIATE: N_("associate"),
    Role.BOARD: N_("board member"),
    Role.ADMIN: N_("administrator"),
}
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}


def role_label(t: Translator, role: Role) -> str:
    """A role's name in the reader's language."""
    return t(ROLE_NAMES[role])


def consent_text(t: Translator) -> str:
    """What Parvis keeps about a person, in plain words."""
    return t(
        "What Parvis keeps about you: your name, your collège and role, your chat account, "
        "your language, and whether you took part in each vote. In secret votes, nobody can "
        "see what you chose. You can ask an administrator to delete your data."
    )


async def start(ix: Interaction, ctx: Context) -> Reply:
    """/start [code]: join with an invitation, or say hello."""
    assert isinstance(ix.intent, Command)
    code = ix.intent.args[0] if ix.intent.args else ""
    t = ctx.t
    if ctx.member is not None and not code:
        return Reply.of(
            Screen(
                title=t("Hello {name}!", name=ctx.member.display_name),
                text=t("Type {help} to see what you can do.", help=ctx.cmd("help")),
            )
        )
    if not code:
        return Reply.of(
            Screen(
                title=t("Welcome to Parvis"),
                text=t(
                    "Parvis lets the members of {org} take part in its decisions. "
                    "To join, type {start} followed by your invitation code, for example "
                    "{example}.",
                    org=ctx.org.name,
                    start=ctx.cmd("start"),
                    example=ctx.cmd("start") + " ABCD2345",
                ),
            )
        )
    language = ctx.t.language
    member, invitation = await ctx.members.join_with_code(
        ix.actor.platform, ix.actor.user_key, ix.actor.display_name, language, code
    )
    statutes = await ctx.members.statutes()
    lines = [t("You are now a member of {org}.", org=ctx.org.name)]
    if invitation.college_key and statutes.has_college(invitation.college_key):
        college = statutes.college(invitation.college_key).name(language)
        lines.append(
            t(
                "Role: {role}. Collège: {college}.",
                role=role_label(t, invitation.role),
                college=college,
            )
        )
    else:
        lines.append(t("Role: {role}.", role=role_label(t, invitation.role)))
    lines += [
        "",
        consent_text(t),
        "",
        t("Type {help} to see what you can do.", help=ctx.cmd("help")),
    ]
    return Reply.of(
        Screen(
            title=t("Welcome, {name}!", name=member.display_name),
            text="\n".join(lines),
            tone=Tone.SUCCESS,
        )
    )


def build_help(router: Router) -> object:
    """The /help handler lists only the commands this person may use."""

    async def help_(ix: Interaction, ctx: Context) -> Reply:
        t = ctx.t
        lines: list[str] = []
        for spec in router.commands:
            if not spec.listed:
                continue
            if not spec.allows(ctx.member.roles if ctx.member else ()):
                continue
            if (
                not spec.roles
                and ctx.member is None
                and spec.name
                not in {
                    "start",
                    "help",
                    "language",
                    "whoami",
                }
            ):
                continue
            usage = f" {spec.usage}" if spec.usage else ""
            lines.append(f"{ctx.cmd(spec.name)}{usage} — {t(spec.summary)}")
        title = t("Commands you can use") if ctx.member else t("Welcome to Parvis")
        if ctx.member is None:
            lines.insert(0, t("You are not a member yet. Join with your invitation code."))
            lines.insert(1, "")
        return Reply.of(Screen(title=title, text="\n".join(lines)))

    return help_


async def language(ix: Interaction, ctx: Context) -> Reply:
    """/language fr|en: choose the language the bot speaks to you."""
    assert isinstance(ix.intent, Command)
    args = ix.intent.args
    if not args:
        buttons = tuple(
            (Button(LANGUAGE_NAMES[code], Action("lang", (code,))),) for code in LANGUAGES
        )
        return Reply.of(
            Screen(
                text=ctx.t(
                    "Choose your language, or type {example}.", example=ctx.cmd("language") + " en"
                ),
                buttons=buttons,
            )
        )
    return await _set_language(ctx, args[0].lower())


async def language_button(ix: Interaction, ctx: Context) -> Reply:
    """The language button."""
    from bot.platforms.ports import ActionInvoked

    assert isinstance(ix.intent, ActionInvoked)
    return await _set_language(ctx, str(ix.intent.action.args[0]))


async def _set_language(ctx: Context, code: str) -> Reply:
    if code not in LANGUAGES:
        raise DomainError("language.unknown", {"languages": ", ".join(LANGUAGES)})
    member = ctx.require_member()
    await ctx.members.set_language(member, code)
    t = Translator(code, ctx.org.timezone)
    ctx.t = t
    return Reply.of(
        Screen(text=t("From now on I will speak English with you."), tone=Tone.SUCCESS)
    )


async def whoami(ix: Interaction, ctx: Context) -> Reply:
    """/whoami: what Parvis knows about you."""
    t = ctx.t
    if ctx.member is None:
        return Reply.of(
            Screen(
                text=t(
                    "You are not a member yet. Type {start} followed by your invitation code.",
                    start=ctx.cmd("start"),
                )
            )
        )
    member = ctx.member
    statutes = await ctx.members.statutes()
    roles = ", ".join(role_label(t, r) for r in Role if r in member.roles)
    lines = [t("Name: {name}", name=member.display_name), t("Roles: {roles}", roles=roles)]
    if member.college_key and statutes.has_college(member.college_key):
        lines.append(
            t("Collège: {college}", college=statutes.college(member.college_key).name(t.language))
        )
    identities = await ctx.members.members.identities(member.id)
    accounts = ", ".join(sorted({i.platform for i in identities}))
    lines.append(t("Linked accounts: {accounts}", accounts=accounts))
    lines.append(t("Language: {language}", language=LANGUAGE_NAMES[t.language]))
    return Reply.of(Screen(title=t("About you"), text="\n".join(lines)))
