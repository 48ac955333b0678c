"""services.client_messages: one call per client action, in-process, with fakes for the conversation
service (routing, attention, forwarding), the media store, the upload quotas and the buttons."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from database.orders import Order
from database.users import Activity, Level, User
from services.client_messages import ClientMessages, ClientPart, Refusal
from services.conversations import ClientRoute, Incoming, RouteKind
from services.media import IncomingFile
from services.uploads import QuotaExceeded

CLIENT = User(1, "+375291112233", None, "Ольга", Level.CLIENT, Activity.ACTIVE, True, None)
EMPLOYEE = User(5, "+375291110000", None, "Иван", Level.EMPLOYEE, Activity.ACTIVE, True, None)
Markup = dict[str, Any] | None
ORDER = Order(7, "A-100", None, CLIENT.phone, None, True, None, True, date(2026, 1, 1))


class FakeConversations:
    def __init__(self, route: ClientRoute, file_order: Order | None = ORDER, care: bool = True) -> None:
        self.route = route
        self._file_order = file_order
        self._care = care
        self.calls: list[tuple[Any, ...]] = []

    async def client_route(self, client: User, reply_to: int | None = None) -> ClientRoute:
        self.calls.append(("route", reply_to))
        return self.route

    async def check_attention(self, client: User, message: Incoming, about: Order | None) -> bool:
        self.calls.append(("attention", message.message_id, about))
        return False

    async def file_order(self, client: User, route: ClientRoute) -> Order | None:
        return self._file_order

    async def client_orders(self, client: User) -> list[Order]:
        return [ORDER] if self._file_order else []

    async def forward_from_client(
        self,
        client: User,
        route: ClientRoute,
        message: Incoming,
        markup: Markup,
        file_path: str | None = None,
    ) -> None:
        self.calls.append(("forward", message.message_id, markup, file_path))

    async def forward_album_from_client(
        self, client: User, route: ClientRoute, items: list[Incoming], markup: Markup, paths: list[str | None]
    ) -> None:
        self.calls.append(("album", [i.message_id for i in items], markup, paths))

    async def send_care_request(
        self, client: User, message: Incoming, markup: Markup, file_path: str | None = None
    ) -> bool:
        self.calls.append(("care", message.message_id, markup, file_path))
        return self._care

    async def send_care_album(
        self, client: User, items: list[Incoming], markup: Markup, paths: list[str | None]
    ) -> bool:
        self.calls.append(("care album", [i.message_id for i in items], markup, paths))
        return self._care


class FakeMedia:
    def __init__(self) -> None:
        self.saved: list[str] = []

    async def save_client_file(self, order: Order, incoming: IncomingFile, fetch: Any) -> str | None:
        await fetch(incoming, Path("unused"))
        self.saved.append(incoming.key)
        return f"{order.number}/client/{incoming.message_id}.jpg"


class FakeUploads:
    def __init__(self, over: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.over = over
        self.settled: list[tuple[str, int | None]] = []

    async def reserve(
        self, key: str, client_id: int, order_id: int, size: int | None
    ) -> QuotaExceeded | None:
        return QuotaExceeded(per_order=True, limit_mb=3) if key in self.over else None

    async def settle(self, key: str, size: int | None) -> None:
        self.settled.append((key, size))


class Buttons:
    def about_order(self, order: Order) -> dict[str, Any]:
        return {"switch": order.number}

    def reply_to(self, client: User) -> dict[str, Any]:
        return {"reply": client.telegram_id}


def _photo(message_id: int, group: str | None = None) -> ClientPart:
    file = IncomingFile(
        CLIENT.telegram_id,
        message_id,
        "photo",
        f"f{message_id}",
        1000,
        None,
        "jpg",
        "",
        group,
        datetime.now(),
    )
    return ClientPart(Incoming(CLIENT.telegram_id, message_id, "photo", "", file.file_id), file)


def _text(message_id: int, text: str = "Когда готово?") -> ClientPart:
    return ClientPart(Incoming(CLIENT.telegram_id, message_id, "text", text))


def _service(
    conversations: FakeConversations, uploads: FakeUploads | None = None
) -> tuple[ClientMessages, list]:
    fetched: list[str] = []

    async def fetch(item: IncomingFile, target: Path) -> None:
        fetched.append(item.file_id)

    service = ClientMessages(conversations, FakeMedia(), uploads or FakeUploads(), fetch, Buttons())  # type: ignore[arg-type]
    return service, fetched


async def test_a_message_to_the_employee_is_kept_checked_and_forwarded_with_the_order_button() -> None:
    talk = FakeConversations(ClientRoute(RouteKind.STAFF, [EMPLOYEE], ORDER))
    service, fetched = _service(talk)
    result = await service.handle(CLIENT, [_photo(10)], replied_to=3)
    assert result.forwarded and result.refused == []
    assert fetched == ["f10"]
    assert talk.calls == [
        ("route", 3),
        ("attention", 10, ORDER),
        ("forward", 10, {"switch": "A-100"}, "A-100/client/10.jpg"),
    ]


async def test_an_album_goes_whole_and_a_file_over_the_quota_still_reaches_staff() -> None:
    talk = FakeConversations(ClientRoute(RouteKind.CARE, [EMPLOYEE]))
    uploads = FakeUploads(over={f"{CLIENT.telegram_id}:12"})
    service, fetched = _service(talk, uploads)
    result = await service.handle(CLIENT, [_photo(11, "g"), _photo(12, "g")], album=True)
    assert result.forwarded and result.refused == [Refusal(QuotaExceeded(per_order=True, limit_mb=3), 1, 2)]
    assert fetched == ["f11"] and uploads.settled == [(f"{CLIENT.telegram_id}:11", 1000)]
    assert talk.calls[-1] == ("album", [11, 12], {"reply": 1}, ["A-100/client/11.jpg", None])


async def test_an_album_over_the_quota_is_refused_once_for_all_its_items() -> None:
    talk = FakeConversations(ClientRoute(RouteKind.CARE, [EMPLOYEE]))
    over = {f"{CLIENT.telegram_id}:{n}" for n in range(41, 50)}
    uploads = FakeUploads(over=over)
    service, fetched = _service(talk, uploads)
    result = await service.handle(CLIENT, [_photo(n, "g") for n in range(40, 50)], album=True)
    assert result.refused == [Refusal(QuotaExceeded(per_order=True, limit_mb=3), 9, 10)]
    assert fetched == ["f40"]


async def test_with_nobody_to_answer_the_message_is_kept_and_held_for_customer_care() -> None:
    talk = FakeConversations(ClientRoute(RouteKind.NOBODY, []))
    service, _ = _service(talk)
    result = await service.handle(CLIENT, [_photo(20)])
    assert not result.forwarded and result.has_orders
    assert [m.message_id for m in result.pending] == [20] and result.pending_paths == ["A-100/client/20.jpg"]
    assert not any(call[0] in ("forward", "album") for call in talk.calls)
    sent = await service.pending_to_care(CLIENT, result.pending, result.pending_paths)
    assert sent and talk.calls[-1] == ("care", 20, {"reply": 1}, "A-100/client/20.jpg")


async def test_a_care_request_without_an_open_order_keeps_no_file_and_says_when_nobody_takes_it() -> None:
    talk = FakeConversations(ClientRoute(RouteKind.NOBODY, []), file_order=None, care=False)
    service, fetched = _service(talk)
    result = await service.to_care(CLIENT, [_text(30), _photo(31)])
    assert not result.sent and fetched == []
    assert talk.calls == [
        ("attention", 30, None),
        ("attention", 31, None),
        ("care album", [30, 31], {"reply": 1}, [None, None]),
    ]
