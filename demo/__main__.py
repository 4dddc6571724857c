"""`python -m demo` (`make demo`): the dashboard on a throwaway homeserver, to click through.

Starts Synapse (a dev requirement) on a free loopback port with a bot, rooms and members, then
the dashboard on SQLite, both in one temporary directory; prints the demo admin's random
password once; Ctrl-C (or SIGTERM) stops both and deletes the directory.
Exit codes: 0 stopped by a signal, 1 the dashboard failed, 2 refused (Synapse missing, port
taken).
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import FrameType

from demo import dashboard
from demo.synapse import SynapseError, port_is_free, start_synapse, synapse_installed
from demo.world import ROOMS, World, build


class Stopped(Exception):
    """SIGTERM or SIGHUP arrived: stop as on a Ctrl-C."""


def _raise_stopped(signum: int, _frame: FrameType | None) -> None:
    raise Stopped(signal.Signals(signum).name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__.split("\n")[0])
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8501)
    args = parser.parse_args(argv)
    if not synapse_installed():
        print("error: matrix-synapse is not installed: `make demo` installs it "
              "(or pip install -r requirements-dev.txt)", file=sys.stderr)
        return 2
    if not port_is_free(args.port):
        print(f"error: port {args.port} is taken (a dashboard running already?): "
              f"choose another, e.g. `make demo PORT={args.port + 1}`", file=sys.stderr)
        return 2
    # Also when started with SIGINT ignored (in the background of a script): Ctrl-C stops it.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_stopped)
    try:
        with tempfile.TemporaryDirectory(prefix="dashboard-demo-",
                                         ignore_cleanup_errors=True) as tmp:
            return _run(Path(tmp), address=args.address, port=args.port)
    except (KeyboardInterrupt, Stopped):  # while Synapse started (it stops itself then)
        return 0


def _run(data: Path, *, address: str, port: int) -> int:
    print(f"Starting a throwaway Synapse and the dashboard in {data} ...", flush=True)
    try:
        server = start_synapse(data / "synapse", server_name="demo.local", own_session=False)
    except SynapseError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    process = None
    try:
        world = build(server)
        dashboard.configure(data, server, world)
        password = dashboard.prepare(world)
        process = dashboard.start(data, address=address, port=port)
        url = f"http://{address}:{port}"
        dashboard.wait_healthy(process, url)
        _announce(url, password, data, server.url, world)
        code = process.wait()
        print(f"error: the dashboard stopped (exit code {code}); its output is above",
              file=sys.stderr)
        return 1
    except (KeyboardInterrupt, Stopped):
        return 0
    except (dashboard.DemoError, SynapseError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up
        print("Stopping the demo and deleting its data ...", flush=True)
        dashboard.stop(process)
        server.terminate()
        server.wait_stopped()
        server.close()


def _announce(url: str, password: str, data: Path, synapse_url: str, world: World) -> None:
    """The one place the password is shown: it is random and stored only as a hash."""
    spammer = world.members["spammer"].user_id
    print(f"""
Community Dashboard demo: open {url}
  username   {dashboard.ADMIN}
  password   {password}   (random, shown only now)
  Matrix     a throwaway Synapse at {synapse_url}: bot {world.bot.user_id}, \
{len(ROOMS) + 1} rooms, {len(world.members)} members (try removing {spammer})
  Authentik  not configured in the demo: its pages say so and what to set
  data       {data} (deleted when the demo stops)
Press Ctrl-C to stop the demo and delete everything.
""", flush=True)


if __name__ == "__main__":
    sys.exit(main())
