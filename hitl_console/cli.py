"""The ``hitl-console`` entry point. Commands live in their own modules and are registered here."""

from __future__ import annotations

import importlib
import sys

import click

from hitl_console import __version__
from hitl_console.errors import HitlError

# (module, attribute) of each subcommand, imported lazily so that the CLI starts fast.
COMMANDS: dict[str, tuple[str, str]] = {
    "simulate": ("hitl_console.simulate_cmd", "simulate"),
    "connect": ("hitl_console.connect_cmd", "connect"),
    "demo-platform": ("hitl_console.demo_platform_cmd", "demo_platform"),
    "config": ("hitl_console.config_cmd", "config"),
    "signals": ("hitl_console.signals_cli", "signals"),
    "rehearse": ("hitl_console.rehearse_cmd", "rehearse"),
    "scenarios": ("hitl_console.scenarios_cmd", "scenarios"),
    "export": ("hitl_console.export_cmd", "export"),
    "report": ("hitl_console.report_cmd", "report"),
    "review": ("hitl_console.review_cmd", "review"),
    "run": ("hitl_console.run_cmd", "run"),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            module, attr = COMMANDS[cmd_name]
            cmd = getattr(importlib.import_module(module), attr)
            assert isinstance(cmd, click.Command)
            return cmd
        return super().get_command(ctx, cmd_name)


def usage_line(e: click.UsageError, args: list[str]) -> str:
    """A command-line mistake as the one line every error gets: which command, which option or argument, what
    is wrong with it (``simulate --chats: 0 is not in the range x>=1``). ``args``: the command line, for the
    command's name when click's error does not carry it (an option missing its value)."""
    if e.ctx is not None:
        where = e.ctx.command_path.removeprefix("hitl-console").strip()
    else:
        where = args[0] if args and args[0] in COMMANDS else ""
    if isinstance(e, click.BadParameter) and not isinstance(e, click.MissingParameter) and e.param is not None:
        param = e.param
        hint = e.param_hint if isinstance(e.param_hint, str) else (
            "/".join(param.opts) if isinstance(param, click.Option) else param.human_readable_name
        )
        where = f"{where} {hint}".strip()
        message = e.message
    else:
        message = e.format_message()
    message = " ".join(message.split()).rstrip(".")
    return f"{where}: {message}" if where else message


@click.group(cls=LazyGroup, invoke_without_command=True)
@click.version_option(__version__, prog_name="hitl-console")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Supervise many AI-handled customer-service chats and step in when it matters.

    With no command, opens the live floor on the built-in simulated contact centre;
    options before any command go to `run` (`hitl-console --seed 3 --speed 2`).
    """
    if ctx.invoked_subcommand is None:
        run = cli.get_command(ctx, "run")
        if run is None:
            sim = cli.get_command(ctx, "simulate")
            assert sim is not None
            ctx.invoke(sim)
        else:
            ctx.invoke(run)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; user errors end as one line on stderr with exit status 2, never a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0].startswith("-") and args[0] not in ("--help", "-h", "--version"):
        args.insert(0, "run")  # `hitl-console --seed 3` is `hitl-console run --seed 3`
    try:
        cli.main(args=args, prog_name="hitl-console", standalone_mode=False)
    except HitlError as e:
        click.echo(f"hitl-console: error: {e}", err=True)
        sys.exit(e.exit_code)
    except click.exceptions.NoArgsIsHelpError as e:
        click.echo(e.ctx.get_help() if e.ctx else str(e))
        sys.exit(2)
    except click.UsageError as e:
        click.echo(f"hitl-console: error: {usage_line(e, args)}", err=True)
        sys.exit(2)
    except click.ClickException as e:
        click.echo(f"hitl-console: error: {e.format_message()}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("hitl-console: aborted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
