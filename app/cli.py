"""Operator commands: serve, migrate, create-admin, setup-token, sync-rooms, unlock,
check-authentik, reconcile-groups (`python -m app --help`).

Every command exits 0 when all was done, 1 when it was done in part (some items failed; the
output names them; check-authentik: problems found), 2 when nothing was done: refused (another
sync holds the lock, an admin exists already, bad input) or misconfigured (a setting missing or
wrong, the database unreachable or its schema not migrated, a remote that cannot be used).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

from alembic.util.exc import CommandError as AlembicError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app.auth import oidc_config
from app.auth.lockout import login_name
from app.auth.setup import SETUP_ANNOUNCED_ENV, announce_setup_token, issue_setup_token
from app.db import migrate
from app.services import connections
from app.utils.config import PROJECT_ROOT, ConfigError, get_settings
from app.utils.enums import Role, SyncStatus
from app.utils.errors import DashboardError
from app.utils.logging_setup import configure_logging

# Each command imports the services it uses when it runs: `serve` starts in about a second
# instead of loading every client library first (matrix-nio, DBOS, the Authentik models).
CLI_ACTOR = "cli"
# Exit codes, the same for every command (see the module's docstring and the README).
OK, PARTIAL, REFUSED = 0, 1, 2


def _migrate(_args: argparse.Namespace) -> int:
    migrate.upgrade()
    print(f"Database is at revision {migrate.current_revision()} (head).")
    return OK


def _serve(args: argparse.Namespace) -> int:
    """Migrate, then serve the dashboard in this process (st.App, see app/server/)."""
    from app import server
    _migrate(args)
    announce_setup_token()  # at start-up, before anyone opens the page
    os.environ[SETUP_ANNOUNCED_ENV] = "1"
    secrets_files = oidc_config.secrets_files(get_settings(), args.generated_dir)
    print("SSO (Authentik):", "on" if secrets_files else "off (OIDC_* not set)", flush=True)
    os.chdir(PROJECT_ROOT)  # Streamlit reads .streamlit/config.toml from the working directory
    server.run(address=args.address, port=args.port, secrets_files=secrets_files)
    return OK


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password (at least 12 characters): ")
    if first != getpass.getpass("Repeat password: "):
        raise DashboardError("The passwords do not match.")
    return first


def _create_admin(args: argparse.Namespace) -> int:
    from app.services import accounts
    password = _read_password(args.password_stdin)
    created = accounts.create_account(
        actor=CLI_ACTOR,
        username=args.username,
        password=password,
        role=Role.ADMIN,
        display_name=args.display_name,
    )
    print(f"Created admin account '{created.username}'.")
    return OK


def _setup_token(_args: argparse.Namespace) -> int:
    token = issue_setup_token()
    if token is None:
        print("error: an admin account exists already; no setup token is needed (log in, or "
              "`python -m app create-admin` for another admin).", file=sys.stderr)
        return REFUSED
    print(f"First-run setup token (valid 24 h, single use): {token}")
    return OK


def _sync_rooms(_args: argparse.Namespace) -> int:
    """Exit 0 when every room was read, 1 when some were not, 2 when another sync is running
    (or Matrix is not configured or cannot be reached: nothing was read)."""
    from app.services import rooms

    def show(progress: rooms.Progress) -> None:
        if progress.done == progress.total or progress.done % 50 == 0:
            print(f"  {progress.text}", flush=True)

    result = rooms.sync_rooms(actor=CLI_ACTOR, on_progress=show)
    if result.refused:
        print(f"error: {result.message}", file=sys.stderr)
        return REFUSED
    print(result.message)
    return OK if result.status == SyncStatus.OK else PARTIAL


def _unlock(args: argparse.Namespace) -> int:
    """Exit 0 when the username is not locked out afterwards (lifted now, or was not locked)."""
    from app.services import lockouts
    name = login_name(args.username)
    if lockouts.unlock(actor=CLI_ACTOR, username=name):
        print(f"Unlocked '{name}': it may log in again.")
    else:
        print(f"'{name}' was not locked out; its failed logins are forgotten.")
    return OK


def _check_authentik(_args: argparse.Namespace) -> int:
    """Exit 0 when Authentik is set up as the dashboard needs (warnings allowed), 1 when
    problems were found, 2 when Authentik is not configured, unreachable or refuses the token."""
    from app.services.authentik_setup import check
    report = check.run()
    if report.fatal:
        print(f"error: {report.fatal}", file=sys.stderr)
        return report.exit_code
    for finding in report.findings:
        print(f"[{finding.level}] {finding.topic}: {finding.summary}")
        if finding.fix:
            print(f"    fix: {finding.fix}")
    print(f"{len(report.problems)} problem(s), {len(report.warnings)} warning(s).")
    return report.exit_code


def _reconcile_groups(args: argparse.Namespace) -> int:
    """Exit 0 when every account's intended groups were handled (or still wait for a group
    that does not exist), 1 when some failed, 2 when Authentik cannot be used at all."""
    from app.services import engine, intended_groups_job, users
    if args.schedule:
        engine.launch()
        try:
            intended_groups_job.apply_schedule()
        finally:
            engine.shutdown()
        print(
            f"Scheduled '{intended_groups_job.SCHEDULE_NAME}' every 10 minutes in the engine's "
            "database: every dashboard process that runs the engine now applies intended "
            "groups (each tick once)."
        )
        return OK
    outcomes = users.intended_groups.reconcile(
        actor=CLI_ACTOR, joined_within=timedelta(days=args.days)
    )
    for o in outcomes:
        parts = [f"added to {', '.join(o.added)}"] if o.added else []
        parts += [f"waiting for missing group(s) {', '.join(o.missing)}"] if o.missing else []
        parts += [f"superuser group(s) refused: {', '.join(o.refused)}"] if o.refused else []
        parts += [f"failed: {o.error}"] if o.error else []
        print(f"  {o.username}: {'; '.join(parts) or 'nothing to add'}")
    failed = sum(bool(o.error) for o in outcomes)
    print(f"{len(outcomes)} account(s) with intended groups pending, {failed} failed.")
    return PARTIAL if failed else OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate, then start the dashboard (Streamlit)")
    serve.add_argument("--address", default="127.0.0.1", help="interface to listen on")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument(
        "--generated-dir",
        type=Path,
        default=oidc_config.GENERATED_DIR,
        help="where the Streamlit secrets generated from OIDC_* go (default .streamlit/generated)",
    )
    sub.add_parser("migrate", help="upgrade the database schema to the newest revision")
    admin = sub.add_parser("create-admin", help="create an admin account from the shell")
    admin.add_argument("--username", required=True)
    admin.add_argument("--display-name", default="")
    admin.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )
    sub.add_parser("setup-token", help="print a new first-run setup token (while no admin exists)")
    sub.add_parser("sync-rooms", help="read the bot's Matrix rooms into the database")
    unlock = sub.add_parser("unlock", help="lift a username's login lockout (audited)")
    unlock.add_argument("--username", required=True)
    sub.add_parser(
        "check-authentik",
        help="check Authentik's set-up (exit 0 ok, 1 problems found, 2 not configured or "
        "unreachable)",
    )
    groups = sub.add_parser(
        "reconcile-groups", help="add new accounts to their invitation's intended groups"
    )
    groups.add_argument(
        "--days", type=int, default=7, help="look at accounts that joined within this many days"
    )
    groups.add_argument(
        "--schedule",
        action="store_true",
        help="instead, schedule it every 10 minutes on the durable engine (once per deployment)",
    )
    return parser


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "serve": _serve,
    "migrate": _migrate,
    "create-admin": _create_admin,
    "setup-token": _setup_token,
    "sync-rooms": _sync_rooms,
    "unlock": _unlock,
    "check-authentik": _check_authentik,
    "reconcile-groups": _reconcile_groups,
}


# First-run commands bring a new database's schema up to date themselves; the others need it
# migrated (a cron job should not change the schema behind the operator's back).
MIGRATES_FIRST = frozenset({"create-admin", "setup-token"})
NEEDS_SCHEMA = frozenset({"sync-rooms", "unlock", "reconcile-groups"})


def _schema_ready(command: str) -> bool:
    if command not in MIGRATES_FIRST | NEEDS_SCHEMA or migrate.is_up_to_date():
        return True
    if command in NEEDS_SCHEMA:
        print("error: the database schema is not up to date: run `python -m app migrate` "
              "first", file=sys.stderr)
        return False
    migrate.upgrade()
    print(f"Database migrated to revision {migrate.current_revision()} (head) first.")
    return True


def _database_problem(err: SQLAlchemyError | AlembicError) -> str:
    """What went wrong with the database, in one line, without the URL's password."""
    where = make_url(get_settings().database_url).render_as_string(hide_password=True)
    first_line = str(getattr(err, "orig", None) or err).strip().splitlines()[0]
    return f"the database at {where} cannot be used ({first_line}): check DATABASE_URL"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)  # a usage error exits 2, like any refusal
    try:
        configure_logging(get_settings().log_level)
        if not (args.command == "reconcile-groups" and args.schedule) and not _schema_ready(
            args.command
        ):
            return REFUSED
        return COMMANDS[args.command](args)
    except (ConfigError, DashboardError) as err:
        print(f"error: {err}", file=sys.stderr)
        return REFUSED
    except (SQLAlchemyError, AlembicError) as err:
        print(f"error: {_database_problem(err)}", file=sys.stderr)
        return REFUSED
    finally:
        connections.close_all()  # the Matrix client's HTTP session and loop: no warning at exit
