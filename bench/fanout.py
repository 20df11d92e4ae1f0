"""Websocket fan-out (`ws_fanout`): many coordinators' live streams open at once, events raised
at a steady rate, each notification timed from its transaction's commit to its receipt.

The clients are plain websocket clients in this process, signed in as a browser is (a session
cookie whose session finished its second factor, and an allowed Origin). The server runs
`bench.fanout_app`, the app as served plus a route that raises one event: inside a transaction
it notifies the coordinators of one area, and it answers with the moment its transaction
committed. Each notification is timed twice, both on this machine's one clock:
- from commit: receipt minus the commit stamp, the whole path the issue bounds;
- from send: receipt minus `sent_at`, which `notifications.live.send` stamps just before the
  notification goes onto the channel layer (after delivery has read the rows and the unread
  counts, and after the sends to earlier recipients of the same event).
The channel layer is whatever the settings give the server: in memory with no REDIS_URL (the
embedded default), channels-redis with it.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from dataclasses import asdict, dataclass, field
from importlib import import_module
from pathlib import Path

import httpx
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin

from agencies.models import Agency, AgencyType, Area, Membership, Role, User
from agencies.sessions import SESSION_EPOCH_KEY
from notifications.models import Delivery, Notification, NotificationKind, NotificationPreference

from . import server
from .load import LOOPBACK_HOSTS
from .stats import percentile

NAME = "ws_fanout"
APP = "bench.fanout_app:application"
EVENT_PATH = "/bench/fanout/event"  # served by APP alone
STREAM_PATH = "/ws/notifications/"
USERNAME = "bench-fanout-{:04d}"
# E99… codes are never issued by the ONS, so the bench areas cannot clash with a real one.
AREA_ONS_CODE = "E9910{:04d}"
AGENCY = ("Benchmark Fan-out Children's Services", AgencyType.CHILDRENS_SOCIAL_CARE)
# Handshakes in flight at once while the clients connect.
CONNECT_CONCURRENCY = 50
# How long to wait, after the last event, for notifications still on their way.
DRAIN_TIMEOUT_S = 10.0
REQUEST_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class FanoutOptions:
    clients: int = 500
    areas: int = 20  # clients are spread evenly: each event reaches clients / areas of them
    rate: float = 20.0  # events per second
    seconds: float = 30.0  # of events, once every client is connected


@dataclass(frozen=True)
class Listener:
    """One coordinator's signed-in page."""

    user_id: int
    area_id: int
    session_key: str


@dataclass
class Receipt:
    notification_id: int
    received_at: float
    sent_at: float


@dataclass
class Stream:
    listener: Listener
    connect_ms: float | None = None
    receipts: list[Receipt] = field(default_factory=list)
    error: str | None = None  # it never connected
    dropped: bool = False  # the server closed it before the end of the run
    connection: ClientConnection | None = None


@dataclass(frozen=True)
class Event:
    area_id: int
    ids: list[int]
    committed_at: float | None
    response_ms: float
    error: str | None = None


@dataclass(frozen=True)
class Percentiles:
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None

    @classmethod
    def of(cls, values_ms: list[float]) -> Percentiles:
        if not values_ms:
            return cls(None, None, None, None)
        return cls(
            p50_ms=percentile(values_ms, 50),
            p95_ms=percentile(values_ms, 95),
            p99_ms=percentile(values_ms, 99),
            max_ms=max(values_ms),
        )


@dataclass(frozen=True)
class FanoutResult:
    layer: str
    clients: int
    areas: int
    rate: float
    seconds: float
    connected: int
    connect_errors: int
    dropped: int
    connect_wall_s: float
    connect: Percentiles
    events: int
    event_errors: int
    events_per_s: float  # events raised per second, as achieved
    expected: int  # notifications created for connected clients
    received: int
    missing: int
    duplicates: int
    misdelivered: int  # received by a client who was not the recipient
    from_commit: Percentiles
    from_send: Percentiles
    event_response: Percentiles  # the producing request, transaction and delivery included
    load_average: float  # the machine's 1-minute load as events began: other work competing

    @property
    def ok(self) -> bool:
        return not (
            self.connect_errors
            or self.dropped
            or self.event_errors
            or self.missing
            or self.duplicates
            or self.misdelivered
            or self.received != self.expected
        )


def layer_name() -> str:
    backend = str(settings.CHANNEL_LAYERS["default"]["BACKEND"])
    return "redis" if "redis" in backend.lower() else "embedded"


def prepare(*, clients: int, areas: int) -> list[Listener]:
    """The coordinators, their areas and signed-in sessions, created or reused; their earlier
    notifications removed so that every run starts alike. Their e-mail for this kind is off:
    the run measures the live path, and the outbox is another's concern."""
    if clients < 1 or areas < 1:
        raise ValueError("clients and areas must be at least 1")
    with transaction.atomic():
        area_list = [
            Area.objects.get_or_create(
                ons_code=AREA_ONS_CODE.format(i),
                defaults={"name": f"Benchmark Fan-out Partnership {i}", "region": "Nowhere"},
            )[0]
            for i in range(areas)
        ]
        agency, _ = Agency.objects.get_or_create(
            name=AGENCY[0], defaults={"agency_type": AGENCY[1]}
        )
        agency.areas.add(*area_list)
        users = _users(clients)
        area_of = {user.pk: area_list[i % areas] for i, user in enumerate(users)}
        # One active coordinator role each, in the area this run gives them; nobody else is
        # told of the bench areas' events (a longer run before may have left more users).
        Membership.objects.filter(Q(user__in=users) | Q(area__in=area_list)).update(is_active=False)
        Membership.objects.bulk_create(
            [
                Membership(user=user, role=Role.COORDINATOR, area=area_of[user.pk], agency=agency)
                for user in users
            ],
            ignore_conflicts=True,
        )
        for area in area_list:
            Membership.objects.filter(
                user__in=[pk for pk, a in area_of.items() if a == area],
                role=Role.COORDINATOR,
                area=area,
                agency=agency,
            ).update(is_active=True)
        devices = devices_for(users)
        NotificationPreference.objects.filter(
            user__in=users, kind=NotificationKind.CONCERN_SUBMITTED
        ).update(delivery=Delivery.OFF)
        NotificationPreference.objects.bulk_create(
            [
                NotificationPreference(
                    user=user, kind=NotificationKind.CONCERN_SUBMITTED, delivery=Delivery.OFF
                )
                for user in users
            ],
            ignore_conflicts=True,
        )
        Notification.objects.filter(recipient__in=users).delete()
    return [
        Listener(user.pk, area_of[user.pk].pk, signed_in_session(user, devices[user.pk]))
        for user in users
    ]


def _users(count: int) -> list[User]:
    names = [USERNAME.format(i) for i in range(count)]
    existing = {u.username: u for u in User.objects.filter(username__in=names)}
    unusable = make_password(None)  # nobody signs in with a password as a bench user
    User.objects.bulk_create(
        [
            User(
                username=name,
                email=f"{name}@bench.invalid",
                first_name="Benchmark",
                last_name="Coordinator",
                password=unusable,
            )
            for name in names
            if name not in existing
        ]
    )
    by_name = {u.username: u for u in User.objects.filter(username__in=names)}
    return [by_name[name] for name in names]


def devices_for(users: list[User]) -> dict[int, TOTPDevice]:
    """Each user's confirmed authenticator app, as a completed sign-in has."""
    devices = {d.user_id: d for d in TOTPDevice.objects.filter(user__in=users, confirmed=True)}
    TOTPDevice.objects.bulk_create(
        [
            TOTPDevice(user=user, name="Benchmark authenticator", confirmed=True)
            for user in users
            if user.pk not in devices
        ]
    )
    return {d.user_id: d for d in TOTPDevice.objects.filter(user__in=users, confirmed=True)}


def signed_in_session(user: User, device: TOTPDevice) -> str:
    """A session as a completed sign-in leaves it: the user, the second factor and the epoch."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store[SESSION_EPOCH_KEY] = user.session_epoch
    store.create()
    return str(store.session_key)


def end_sessions(listeners: list[Listener]) -> None:
    Session.objects.filter(session_key__in=[lr.session_key for lr in listeners]).delete()


async def _listen(
    base_url: str, stream: Stream, gate: asyncio.Semaphore, connected: asyncio.Event
) -> None:
    """Connect (at most CONNECT_CONCURRENCY handshakes at once), then record every
    notification until the connection is closed."""
    cookie = f"{settings.SESSION_COOKIE_NAME}={stream.listener.session_key}"
    try:
        async with gate:
            started = time.perf_counter()
            stream.connection = await connect(
                "ws" + base_url.removeprefix("http") + STREAM_PATH,
                origin=Origin(base_url),
                additional_headers={"Cookie": cookie},
                proxy=None,  # never through a proxy from the environment
                open_timeout=REQUEST_TIMEOUT_S,
                ping_interval=None,
                max_queue=None,
            )
            hello = json.loads(await stream.connection.recv())
            if hello.get("type") != "hello":
                raise RuntimeError(f"first message was {hello.get('type')!r}, not hello")
            stream.connect_ms = (time.perf_counter() - started) * 1000
    except Exception as exc:
        stream.error = f"{type(exc).__name__}: {exc}"[:200]
        return
    finally:
        connected.set()
    try:
        async for raw in stream.connection:
            received_at = time.time()
            message = json.loads(raw)
            if message.get("type") == "notification":
                stream.receipts.append(
                    Receipt(message["notification"]["id"], received_at, message["sent_at"])
                )
    except ConnectionClosed:
        stream.dropped = True


async def _raise_event(client: httpx.AsyncClient, area_id: int, key: str) -> Event:
    started = time.perf_counter()
    try:
        response = await client.post(EVENT_PATH, json={"area": area_id, "key": key})
        response.raise_for_status()
        body = response.json()
    except httpx.HTTPError as exc:
        elapsed = (time.perf_counter() - started) * 1000
        return Event(area_id, [], None, elapsed, type(exc).__name__)
    elapsed = (time.perf_counter() - started) * 1000
    return Event(area_id, body["ids"], body["committed_at"], elapsed)


async def _produce(base_url: str, area_ids: list[int], options: FanoutOptions) -> list[Event]:
    """Events at a steady rate, round the areas; a slow answer never delays the next event."""
    run = uuid.uuid4().hex[:8]
    count = max(1, round(options.rate * options.seconds))
    loop = asyncio.get_running_loop()
    async with httpx.AsyncClient(
        base_url=base_url, timeout=REQUEST_TIMEOUT_S, trust_env=False
    ) as client:
        start = loop.time()
        pending = []
        for n in range(count):
            await asyncio.sleep(max(0.0, start + n / options.rate - loop.time()))
            key = f"bench-fanout-{run}-{n}"
            pending.append(
                asyncio.create_task(_raise_event(client, area_ids[n % len(area_ids)], key))
            )
        return list(await asyncio.gather(*pending))


async def drive(base_url: str, listeners: list[Listener], options: FanoutOptions) -> FanoutResult:
    """Connect every listener, raise the events, wait for the notifications, close."""
    if httpx.URL(base_url).host not in LOOPBACK_HOSTS:
        raise ValueError(f"benchmarks only drive a server on this machine, not {base_url}")
    streams = [Stream(listener) for listener in listeners]
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    events_connected = [asyncio.Event() for _ in streams]
    started = time.perf_counter()
    tasks = [
        asyncio.create_task(_listen(base_url, stream, gate, done))
        for stream, done in zip(streams, events_connected, strict=True)
    ]
    await asyncio.gather(*(done.wait() for done in events_connected))
    connect_wall_s = time.perf_counter() - started
    live = [s for s in streams if s.error is None]
    print(f"{len(live)} of {len(streams)} clients connected in {connect_wall_s:.1f} s", flush=True)

    area_ids = sorted({lr.area_id for lr in listeners})
    load_average = os.getloadavg()[0]
    produce_started = time.perf_counter()
    events = await _produce(base_url, area_ids, options)
    produce_s = time.perf_counter() - produce_started

    expected = sum(len(e.ids) for e in events)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DRAIN_TIMEOUT_S
    while sum(len(s.receipts) for s in live) < expected and loop.time() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.gather(*(s.connection.close() for s in live if s.connection is not None))
    await asyncio.gather(*tasks)
    return _summarise(streams, events, options, connect_wall_s, produce_s, load_average)


def _summarise(
    streams: list[Stream],
    events: list[Event],
    options: FanoutOptions,
    connect_wall_s: float,
    produce_s: float,
    load_average: float,
) -> FanoutResult:
    event_of = {pk: event for event in events for pk in event.ids}
    received_ids: set[int] = set()
    duplicates = misdelivered = 0
    from_commit: list[float] = []
    from_send: list[float] = []
    for stream in streams:
        seen: set[int] = set()
        for receipt in stream.receipts:
            event = event_of.get(receipt.notification_id)
            if event is None or event.area_id != stream.listener.area_id:
                misdelivered += 1
                continue
            if receipt.notification_id in seen:
                duplicates += 1
                continue
            seen.add(receipt.notification_id)
            received_ids.add(receipt.notification_id)
            from_send.append((receipt.received_at - receipt.sent_at) * 1000)
            if event.committed_at is not None:
                from_commit.append((receipt.received_at - event.committed_at) * 1000)
    connected = [s for s in streams if s.error is None]
    return FanoutResult(
        layer=layer_name(),
        clients=options.clients,
        areas=options.areas,
        rate=options.rate,
        seconds=options.seconds,
        connected=len(connected),
        connect_errors=len(streams) - len(connected),
        dropped=sum(1 for s in streams if s.dropped),
        connect_wall_s=connect_wall_s,
        connect=Percentiles.of([s.connect_ms for s in connected if s.connect_ms is not None]),
        events=len(events),
        event_errors=sum(1 for e in events if e.error),
        events_per_s=len(events) / produce_s if produce_s > 0 else 0.0,
        expected=len(event_of),
        received=len(received_ids),
        missing=len(event_of.keys() - received_ids),
        duplicates=duplicates,
        misdelivered=misdelivered,
        from_commit=Percentiles.of(from_commit),
        from_send=Percentiles.of(from_send),
        event_response=Percentiles.of([e.response_ms for e in events if not e.error]),
        load_average=load_average,
    )


def run(options: FanoutOptions, *, server_name: str, results_dir: Path) -> FanoutResult:
    """Prepare the listeners, serve the app in its own process, drive it, end the sessions."""
    listeners = prepare(clients=options.clients, areas=options.areas)
    try:
        with server.running_server(
            server_name, log_path=results_dir / "server.log", app=APP
        ) as base_url:
            return asyncio.run(drive(base_url, listeners, options))
    finally:
        end_sessions(listeners)


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def markdown(results: list[FanoutResult]) -> str:
    rows = [
        "| Layer | Clients | Events/s | Received / expected | Lost | Dup. | Commit→receipt "
        "p50 / p95 / p99 ms | Send→receipt p50 / p95 / p99 ms | Connect all s | Connect p95 ms "
        "| Load |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        c, s = r.from_commit, r.from_send
        rows.append(
            f"| {r.layer} | {r.connected}/{r.clients} | {r.events_per_s:.1f} "
            f"| {r.received} / {r.expected} | {r.missing} | {r.duplicates} "
            f"| {_ms(c.p50_ms)} / {_ms(c.p95_ms)} / {_ms(c.p99_ms)} "
            f"| {_ms(s.p50_ms)} / {_ms(s.p95_ms)} / {_ms(s.p99_ms)} "
            f"| {r.connect_wall_s:.1f} | {_ms(r.connect.p95_ms)} | {r.load_average:.1f} |"
        )
    return "\n".join(rows) + "\n"


def write(result: FanoutResult, directory: Path) -> Path:
    """Write `ws_fanout-<layer>.json` into `directory`; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{NAME}-{result.layer}.json"
    path.write_text(json.dumps({**asdict(result), "ok": result.ok}, indent=2) + "\n")
    return path
