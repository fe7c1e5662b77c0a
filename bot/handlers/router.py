"""Routing by exact command name (with localized aliases) or action verb."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass

from bot.handlers.context import Context
from bot.members.model import Role
from bot.platforms.ports import Interaction, Reply

Handler = Callable[[Interaction, Context], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """A command: its names, who may use it, and its help line (an English msgid)."""

    name: str
    aliases: tuple[str, ...]
    handler: Handler
    summary: str
    usage: str = ""
    #: Who may use it: a member holding any of these roles (empty: everyone).
    roles: frozenset[Role] = frozenset()
    listed: bool = True

    def allows(self, roles: Collection[Role]) -> bool:
        """True if someone holding `roles` may use the command."""
        return not self.roles or not self.roles.isdisjoint(roles)


class Router:
    """Maps command names and action verbs to handlers; no ordering games."""

    def __init__(self) -> None:
        self._commands: dict[str, CommandSpec] = {}
        self._specs: list[CommandSpec] = []
        self._actions: dict[str, Handler] = {}
        self._text: dict[str, Handler] = {}
        self._file: Handler | None = None

    def command(
        self,
        name: str,
        handler: Handler,
        summary: str,
        *,
        aliases: tuple[str, ...] = (),
        usage: str = "",
        role: Role | frozenset[Role] | None = None,
        listed: bool = True,
    ) -> None:
        """Register a command under its name and aliases (`role`: who may use it, one role or
        any of several)."""
        roles = role if isinstance(role, frozenset) else frozenset(() if role is None else {role})
        spec = CommandSpec(name, aliases, handler, summary, usage, roles, listed)
        for key in (name, *aliases):
            if key in self._commands:
                raise ValueError(f"command {key!r} registered twice")
            self._commands[key] = spec
        self._specs.append(spec)

    def action(self, verb: str, handler: Handler) -> None:
        """Register the handler of a button verb."""
        if verb in self._actions:
            raise ValueError(f"action {verb!r} registered twice")
        self._actions[verb] = handler

    def conversation(self, kind: str, handler: Handler) -> None:
        """Register the handler of free text while a conversation of `kind` is going on."""
        self._text[kind] = handler

    def files(self, handler: Handler) -> None:
        """Register the handler of files sent by people."""
        self._file = handler

    def find_command(self, name: str) -> CommandSpec | None:
        """Look up a command by any of its names (case-insensitive)."""
        return self._commands.get(name.lower())

    def find_action(self, verb: str) -> Handler | None:
        """Look up a button verb."""
        return self._actions.get(verb)

    def find_conversation(self, kind: str) -> Handler | None:
        """Look up a conversation's text handler."""
        return self._text.get(kind)

    @property
    def file_handler(self) -> Handler | None:
        """The handler of files, if any."""
        return self._file

    @property
    def commands(self) -> list[CommandSpec]:
        """Every command, in registration order."""
        return list(self._specs)

    def command_names(self) -> set[str]:
        """Every command name and alias."""
        return set(self._commands)
