"""One chat's due outbox items, taken in turns between the people whose messages they carry."""

from __future__ import annotations

from collections import deque

from database.outbox import OutboxItem


class FairQueue:
    """One chat's due items: round-robin over senders (lanes), each lane in id order.

    A lane is served once, then goes to the back of the turn; a new lane joins at the back. With one
    item per lane (or one lane) this is plain FIFO. The lane is the sender read from the dedup key
    (`database.outbox.lane_of`).
    """

    __slots__ = ("_lanes", "_turn")

    def __init__(self) -> None:
        self._lanes: dict[int | None, deque[OutboxItem]] = {}
        self._turn: deque[int | None] = deque()

    def append(self, item: OutboxItem) -> None:
        lane = self._lanes.get(item.lane)
        if lane is None:
            lane = self._lanes[item.lane] = deque()
            self._turn.append(item.lane)
        lane.append(item)

    def head(self) -> OutboxItem:
        """The item whose turn it is (left in place until `pop_head`)."""
        return self._lanes[self._turn[0]][0]

    def pop_head(self) -> OutboxItem:
        key = self._turn.popleft()
        lane = self._lanes[key]
        item = lane.popleft()
        if lane:
            self._turn.append(key)
        else:
            del self._lanes[key]
        return item

    def take_all(self) -> list[OutboxItem]:
        items = [item for lane in self._lanes.values() for item in lane]
        self._lanes.clear()
        self._turn.clear()
        return items

    def __len__(self) -> int:
        return sum(map(len, self._lanes.values()))

    def __bool__(self) -> bool:
        return bool(self._turn)
