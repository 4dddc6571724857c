"""The demo's community on a throwaway homeserver: a bot, named rooms with topics, members.

Everything is made through the client-server API as the people themselves would (the bot
creates the rooms and invites; members accept), so the dashboard finds a homeserver like a
real one: some members in several rooms, one only invited, a newcomer in the welcome room.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from demo.synapse import SynapseServer, TestUser


@dataclass(frozen=True)
class DemoRoom:
    name: str
    topic: str
    categories: tuple[str, ...] = ()
    keywords: str = ""


WELCOME = DemoRoom("Welcome", "Say hello here; an admin onboards you into the other rooms")
ROOMS = (
    DemoRoom("Announcements", "News from the organisers", ("General",)),
    DemoRoom("Off-topic", "Anything goes (within the code of conduct)", ("General",)),
    DemoRoom("Hiking", "Weekend walks and mountain trips", ("Outdoors",), "walks, mountains"),
    DemoRoom("Gardening", "Seeds, soil and allotments", ("Outdoors",), "plants, garden"),
    DemoRoom("Book club", "One book a month", ("Hobbies",), "books, reading"),
    DemoRoom("Board games", "Game nights and rules questions", ("Hobbies",), "games"),
    DemoRoom("Python", "Help and show-and-tell", (), "programming, code"),
)


@dataclass(frozen=True)
class DemoMember:
    localpart: str
    display_name: str
    joined: tuple[str, ...]  # room names
    invited: tuple[str, ...] = ()  # invites they have not answered


MEMBERS = (
    DemoMember("alice", "Alice Archer", ("Announcements", "Hiking", "Gardening", "Book club")),
    DemoMember("bob", "Bob Baker", ("Announcements", "Board games", "Python"), ("Hiking",)),
    DemoMember("carol", "Carol Clark", ("Announcements", "Off-topic", "Book club", "Python")),
    DemoMember("spammer", "Sam Spammer",
               ("Welcome", "Announcements", "Off-topic", "Hiking", "Board games")),
    DemoMember("newcomer", "Nina Newcomer", ("Welcome",)),
)


@dataclass(frozen=True)
class World:
    bot: TestUser
    welcome_room_id: str
    room_ids: dict[str, str]  # room name -> room ID, the welcome room included
    members: dict[str, TestUser]  # localpart -> member


def build(server: SynapseServer) -> World:
    """Create the rooms as the server's bot and the members, each in their rooms."""
    bot = server.bot
    set_display_name(server, bot, "Community bot")
    room_ids = {
        room.name: server.create_room(bot, name=room.name, topic=room.topic)
        for room in (WELCOME, *ROOMS)
    }
    members = {}
    for person in MEMBERS:
        member = server.register(person.localpart)
        set_display_name(server, member, person.display_name)
        for name in person.joined:
            server.add_member(bot, room_ids[name], member)
        for name in person.invited:
            server.invite(bot, room_ids[name], member.user_id)
        members[person.localpart] = member
    return World(bot, room_ids[WELCOME.name], room_ids, members)


def set_display_name(server: SynapseServer, user: TestUser, name: str) -> None:
    server.request("PUT", f"/_matrix/client/v3/profile/{quote(user.user_id, safe='')}/displayname",
                   token=user.access_token, json={"displayname": name})
