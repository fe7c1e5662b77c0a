"""Admin: collèges, weights, statutes (every change makes a new statutes version)."""

from __future__ import annotations

from fractions import Fraction

from bot.core.errors import DomainError
from bot.handlers.context import Context
from bot.i18n import Translator
from bot.members.model import EmptyCollegeRule, Statutes, parse_weight, parse_weights
from bot.platforms.ports import Command, Interaction, Reply, Screen, Tone


def _args(ix: Interaction) -> Command:
    assert isinstance(ix.intent, Command)
    return ix.intent


def colleges_text(t: Translator, statutes: Statutes, prefix: str = "/") -> str:
    """One line per collège: key, name, weight."""
    if not statutes.colleges:
        return t("There are no collèges yet.")
    lines = [
        f"• {c.key} — {c.name(t.language)} — {t.percent(c.weight)}" for c in statutes.colleges
    ]
    if not statutes.weights_are_valid:
        lines.append("")
        lines.append(
            t(
                "These weights do not follow the SCIC rules yet; set them with {command}.",
                command=f"{prefix}weights",
            )
        )
    return "\n".join(lines)


async def college(ix: Interaction, ctx: Context) -> Reply:
    """/college add KEY NAME [| ENGLISH NAME] · /college rename KEY NAME · /college list."""
    actor = ctx.require_admin()
    command = _args(ix)
    t = ctx.t
    usage = t(
        "{cmd} add KEY Name [| English name] · {cmd} rename KEY Name · {cmd} list",
        cmd=ctx.cmd("college"),
    )
    sub = command.args[0].lower() if command.args else "list"
    if sub in {"list", "liste"}:
        statutes = await ctx.members.statutes()
        return Reply.of(
            Screen(
                title=t("Collèges"),
                text=colleges_text(t, statutes, ctx.capabilities.command_prefix),
            )
        )
    if sub not in {"add", "ajouter", "rename", "renommer"} or len(command.args) < 3:
        raise DomainError("error.bad_arguments", {"usage": usage})
    key = command.args[1]
    names = command.raw_args.split(None, 2)[2]
    name_fr, _, name_en = (part.strip() for part in names.partition("|"))
    if not name_fr:
        raise DomainError("error.bad_arguments", {"usage": usage})
    if sub in {"add", "ajouter"}:
        statutes = await ctx.members.add_college(actor, key, name_fr, name_en or name_fr)
        text = t(
            "Collège “{name}” added. Weights are now equal: {weights}.",
            name=name_fr,
            weights=_weights_line(t, statutes),
        )
    else:
        statutes = await ctx.members.rename_college(actor, key.lower(), name_fr, name_en or None)
        text = t("Collège “{key}” renamed to “{name}”.", key=key.lower(), name=name_fr)
    return Reply.of(Screen(text=text, tone=Tone.SUCCESS))


def _weights_line(t: Translator, statutes: Statutes) -> str:
    return ", ".join(f"{c.key} {t.percent(c.weight)}" for c in statutes.colleges)


async def weights(ix: Interaction, ctx: Context) -> Reply:
    """/weights: show; /weights 40/40/20 (in collège order) or salaries=40 ...: set."""
    actor = ctx.require_admin()
    command = _args(ix)
    t = ctx.t
    statutes = await ctx.members.statutes()
    if not command.raw_args.strip():
        return Reply.of(
            Screen(
                title=t("Weights of the collèges"),
                text=colleges_text(t, statutes, ctx.capabilities.command_prefix),
            )
        )
    if not statutes.colleges:
        raise DomainError("statutes.no_colleges")
    parsed = parse_weights(command.raw_args, [c.key for c in statutes.colleges])
    new = await ctx.members.set_weights(actor, parsed)
    return Reply.of(
        Screen(
            text=t(
                "Weights saved (statutes version {version}): {weights}.",
                version=new.version,
                weights=_weights_line(t, new),
            ),
            tone=Tone.SUCCESS,
        )
    )


RULE_NAMES = {
    "blank": "blank_counts_as_cast",
    "empty": "empty_college",
    "quorum": "quorum",
    "majority": "majority",
    "extraordinary": "extraordinary_majority",
    "privacy": "privacy_threshold",
}


async def statutes(ix: Interaction, ctx: Context) -> Reply:
    """/statutes: current version and history · /statutes set RULE VALUE."""
    actor = ctx.require_admin()
    command = _args(ix)
    t = ctx.t
    if command.args and command.args[0].lower() in {"set", "regler", "régler"}:
        if len(command.args) != 3 or command.args[1].lower() not in RULE_NAMES:
            raise DomainError(
                "error.bad_arguments",
                {
                    "usage": f"{ctx.cmd('statutes')} set blank|empty|quorum|majority|"
                    "extraordinary|privacy VALUE"
                },
            )
        field = RULE_NAMES[command.args[1].lower()]
        value = _rule_value(field, command.args[2])
        new = await ctx.members.update_rules(actor, **{field: value})
        return Reply.of(
            Screen(
                text=t("Statutes updated (version {version}).", version=new.version),
                tone=Tone.SUCCESS,
            )
        )
    current = await ctx.members.statutes()
    history = await ctx.members.orgs.statutes_history(ctx.org.id, 10)
    lines = [
        t("Version {version}", version=current.version),
        colleges_text(t, current, ctx.capabilities.command_prefix),
        "",
    ]
    lines.append(
        t(
            "Blank votes count as cast: {value}",
            value=t("yes") if current.blank_counts_as_cast else t("no"),
        )
    )
    lines.append(t("Collège without votes: {rule}", rule=_empty_rule(t, current.empty_college)))
    lines.append(
        t(
            "Quorum: {quorum} · majority: {majority} · extraordinary majority: {extra}",
            quorum=t.percent(current.quorum),
            majority=t.percent(current.majority),
            extra=t.percent(current.extraordinary_majority),
        )
    )
    lines.append(t("Per-collège results hidden below {k} ballots.", k=current.privacy_threshold))
    if history:
        lines += ["", t("History:")]
        lines += [
            f"v{row.version} — {t.datetime(row.created_at, 'short')} — {row.note}"
            for row in history
        ]
    return Reply.of(Screen(title=t("Statutes"), text="\n".join(lines)))


def _empty_rule(t: Translator, rule: EmptyCollegeRule) -> str:
    if rule is EmptyCollegeRule.REDISTRIBUTE:
        return t("its weight is shared among the other collèges")
    return t("the weighted result is withheld and flagged")


def _rule_value(field: str, text: str) -> object:
    word = text.lower()
    if field == "blank_counts_as_cast":
        if word in {"yes", "oui", "true", "1"}:
            return True
        if word in {"no", "non", "false", "0"}:
            return False
        raise DomainError("error.bad_arguments", {"usage": "yes|no"})
    if field == "empty_college":
        try:
            return EmptyCollegeRule(word)
        except ValueError as error:
            raise DomainError("error.bad_arguments", {"usage": "redistribute|flag"}) from error
    if field == "privacy_threshold":
        if not word.isdigit() or not 1 <= int(word) <= 100:
            raise DomainError("error.bad_arguments", {"usage": "1..100"})
        return int(word)
    share = parse_weight(text)
    if not Fraction(0) <= share <= 1:
        raise DomainError("statutes.bad_weight", {"text": text})
    return share
