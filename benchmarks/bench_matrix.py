"""Matrix request counts and wall times of removal and invites, against a real Synapse.

Starts its own homeserver (relaxed rate limits) in a temporary directory, builds 200 rooms the
bot is in and a member in 20 of them, then measures with every HTTP request counted (the nio
client's `send` is wrapped; nothing is estimated):

- removal preview + kick with a message, bot = server admin: should cost O(rooms the user is
  in), not O(all the bot's rooms);
- the same preview by a bot that is NOT a server admin, for contrast (it must read the
  membership in every room it is in);
- the room sync (reads every room by nature);
- inviting one user to 50 rooms at concurrency 1 vs the settings' concurrency.

Run: `python benchmarks/bench_matrix.py` (about a minute; `make bench` runs it too).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.db import migrate  # noqa: E402 (after the path set-up)
from app.services import connections, removal, room_invites, rooms  # noqa: E402
from app.utils.config import get_settings  # noqa: E402
from app.utils.matrix import MatrixClient, Status  # noqa: E402
from tests.support.matrix_rooms import RequestCounter  # noqa: E402
from tests.support.synapse import SynapseServer, TestUser, start_synapse  # noqa: E402

BOT_ROOMS = 200
USER_ROOMS = 20
INVITE_ROOMS = 50
SETUP_THREADS = 8
T = TypeVar("T")


def check(condition: bool, what: str) -> None:
    """Figures from a run that did not do what it should are worthless: stop."""
    if not condition:
        raise RuntimeError(f"benchmark run went wrong: {what}")


def parallel(work: Callable[[int], T], count: int) -> list[T]:
    with ThreadPoolExecutor(SETUP_THREADS) as pool:
        return list(pool.map(work, range(count)))


def shape(path: str) -> str:
    """A request path without its IDs, e.g. GET /rooms/{id}/state/m.room.power_levels."""
    parts = path.split("/")
    if len(parts) > 2 and parts[-3] == "send":
        parts[-1] = "{txn}"
    keep = [p if not p.startswith(("%21", "%40", "!", "@")) else "{id}" for p in parts]
    return "/".join(keep).replace("/_matrix/client/v3", "").replace("/_synapse/admin/v1", "admin")


def measured(client: MatrixClient, label: str, work: Callable[[], T]) -> tuple[T, int, float]:
    with RequestCounter(client) as counter:
        started = time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - started
    print(f"  {label:<52} {counter.count:>5} requests {elapsed:>7.2f} s")
    return result, counter.count, elapsed


def breakdown(client: MatrixClient, work: Callable[[], object]) -> Counter[str]:
    with RequestCounter(client) as counter:
        work()
    return Counter(f"{method} {shape(path)}" for method, path in counter.calls)


def build(server: SynapseServer) -> tuple[list[str], TestUser]:
    bot = server.bot
    started = time.perf_counter()
    room_ids = parallel(lambda i: server.create_room(bot, name=f"Room {i:03d}",
                                                     topic=f"Bench room number {i}"), BOT_ROOMS)
    member = server.register("member")
    parallel(lambda i: server.add_member(bot, room_ids[i * (BOT_ROOMS // USER_ROOMS)], member),
             USER_ROOMS)
    print(f"set-up: {BOT_ROOMS} rooms, member in {USER_ROOMS} of them, "
          f"{time.perf_counter() - started:.1f} s\n")
    return room_ids, member


def measure_removal(client: MatrixClient, member: TestUser) -> tuple[int, float]:
    print(f"Removal of a member of {USER_ROOMS} of the bot's {BOT_ROOMS} rooms "
          "(bot is a server admin):")
    client.is_server_admin()  # known from start-up on, as in the running app
    preview, p_count, p_time = measured(
        client, "preview (admin API + power levels)",
        lambda: removal.preview_removal(member.user_id, actor="tester"))
    check(preview.source == "admin-api" and len(preview.rooms) == USER_ROOMS, str(preview))
    outcomes, r_count, r_time = measured(
        client, "kick with a message (power, membership, post, kick)",
        lambda: removal.remove_from_rooms(
            actor="bench", user_id=member.user_id, room_ids=preview.room_ids("kick"),
            action="kick", reason="benchmark", message_key="removal_spam"))
    check(all(o.status is Status.DONE for o in outcomes), str(outcomes))
    total, seconds = p_count + r_count, p_time + r_time
    print(f"  {'total':<52} {total:>5} requests {seconds:>7.2f} s")
    print(f"  = {total / USER_ROOMS:.1f} requests per room the member is in "
          f"({total / BOT_ROOMS:.2f} per room the bot is in)\n")
    return total, seconds


def plain_bot_preview(server: SynapseServer, room_ids: list[str], member: TestUser) -> int:
    """The contrast: a bot without server-admin rights, in the same 200 rooms (its reads also
    show what concurrency buys for reads)."""
    plain = server.register("plainbot")
    parallel(lambda i: server.add_member(server.bot, room_ids[i], plain), BOT_ROOMS)
    parallel(lambda i: server.add_member(server.bot, room_ids[i * (BOT_ROOMS // USER_ROOMS)],
                                         member), USER_ROOMS)  # back in after the kick
    print("Contrast: the same preview by a bot that is NOT a server admin (membership read "
          "in every bot room):")
    counts = []
    for concurrency in (1, get_settings().matrix_concurrency):
        client = MatrixClient(server.url, plain.access_token, plain.user_id,
                              concurrency=concurrency)
        connections.override("matrix", client)
        try:
            preview, count, _ = measured(
                client, f"preview at concurrency {concurrency}",
                lambda: removal.preview_removal(member.user_id, actor="tester"))
            check(preview.source == "live-membership" and len(preview.rooms) == USER_ROOMS,
                  str(preview))
            counts.append(count)
        finally:
            connections.override("matrix", None)
            client.close()
    print()
    return counts[-1]


def invites(server: SynapseServer, room_ids: list[str]) -> None:
    configured = get_settings().matrix_concurrency
    print(f"Inviting one user to {INVITE_ROOMS} rooms (user_exists check + "
          "membership check + invite per room):")
    for concurrency in (1, configured):
        newcomer = server.register(f"newcomer{concurrency}")
        client = MatrixClient(server.url, server.bot.access_token, server.bot.user_id,
                              concurrency=concurrency)
        connections.override("matrix", client)
        try:
            outcomes, _, _ = measured(
                client, f"concurrency {concurrency}",
                lambda u=newcomer: room_invites.invite_to_rooms(
                    actor="bench", user_id=u.user_id, room_ids=room_ids[-INVITE_ROOMS:]))
            check(all(o.status is Status.DONE for o in outcomes), str(outcomes))
        finally:
            connections.override("matrix", None)
            client.close()


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-matrix-") as tmp:
        server = start_synapse(Path(tmp) / "synapse", server_name="bench.local",
                               rate_limits="relaxed")
        try:
            os.environ.update(
                DASHBOARD_ENV_FILE="", DATABASE_URL=f"sqlite:///{tmp}/dashboard.db",
                MATRIX_HOMESERVER_URL=server.url, MATRIX_ACCESS_TOKEN=server.bot.access_token,
                MATRIX_BOT_USER_ID=server.bot.user_id,
            )
            get_settings.cache_clear()
            migrate.upgrade()
            print(f"Synapse {server.url} started in {server.startup_seconds:.1f} s; "
                  f"MATRIX_CONCURRENCY={get_settings().matrix_concurrency}\n")
            room_ids, member = build(server)
            client = connections.matrix()
            print("Directory sync (reads every room by design; runs outside page renders):")
            measured(client, f"sync {BOT_ROOMS} rooms (state + members per room)",
                     lambda: rooms.sync_rooms(actor="bench"))
            print()
            admin_total, _ = measure_removal(client, member)
            plain_total = plain_bot_preview(server, room_ids, member)
            invites(server, room_ids)
            print("\nWhere the removal's requests went (a second member, same 20 rooms):")
            second = server.register("second")
            parallel(lambda i: server.add_member(server.bot,
                                                 room_ids[i * (BOT_ROOMS // USER_ROOMS)], second),
                     USER_ROOMS)
            calls = breakdown(client, lambda: removal.remove_from_rooms(
                actor="bench", user_id=second.user_id,
                room_ids=removal.preview_removal(second.user_id, actor="tester").room_ids("kick"),
                action="kick", reason="benchmark", message_key="removal_spam"))
            for call, n in calls.most_common():
                print(f"  {n:>4}  {call}")
            print(f"\nGoal: removal costs O(rooms the user is in), not O(all rooms): "
                  f"{admin_total} requests for {USER_ROOMS} of {BOT_ROOMS} rooms with the admin "
                  f"API, vs {plain_total} for the preview alone without it.")
            connections.close_all()
        finally:
            server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
