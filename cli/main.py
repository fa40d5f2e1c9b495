"""The `wrestle` command: operating the backend from a shell.

Each command's module is imported only when that command runs (or when help lists them): the modules
pull in uvicorn, the demo generator, Polars and the rest, and a bulk `wrestle ingest` should not pay
for the start-up of commands it does not run.
"""

from __future__ import annotations

import importlib

import typer
from typer import _click as click  # Typer vendors click: its Context and Command are these
from typer.core import TyperGroup

# command name -> (module, attribute): a typer.Typer (a command group) or a command function.
COMMANDS: dict[str, tuple[str, str]] = {
    "db": ("cli.db", "app"),
    "users": ("cli.users", "app"),
    "serve": ("cli.serve", "serve"),
    "demo": ("cli.demo", "demo"),
    "ingest": ("cli.ingest", "ingest"),
    "import-legacy": ("cli.legacy", "import_legacy"),
    "archive": ("cli.archive", "app"),
}


class LazyGroup(TyperGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *COMMANDS]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, attr = COMMANDS[cmd_name]
        target = getattr(importlib.import_module(module), attr)
        if isinstance(target, typer.Typer):
            command: click.Command = typer.main.get_group(target)
        else:
            single = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
            single.command(cmd_name)(target)
            command = typer.main.get_command(single)
        command.name = cmd_name
        return command


app = typer.Typer(cls=LazyGroup, no_args_is_help=True, pretty_exceptions_enable=False)


@app.callback()
def main() -> None:
    """Wrestling analytics backend."""


if __name__ == "__main__":
    app()
