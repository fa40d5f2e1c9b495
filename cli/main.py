"""The `wrestle` command: operating the backend from a shell."""

from __future__ import annotations

import typer

from cli import db, serve

app = typer.Typer(help="Wrestling analytics backend.", no_args_is_help=True, pretty_exceptions_enable=False)
app.add_typer(db.app, name="db")
app.command("serve")(serve.serve)

if __name__ == "__main__":
    app()
