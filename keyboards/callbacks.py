"""Every inline button's data: typed CallbackData factories with short prefixes, ids only.

Telegram allows 64 bytes of callback data; tests/unit/test_callbacks.py packs the largest
value of each factory and checks it. Never put names, phones or folder names here.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram_calendar import SimpleCalendarCallback

# --- orders / employee workflow -------------------------------------------------------


class OrderAction(StrEnum):
    SEARCH = "s"  # search by part of the number (free text)
    BARCODE = "b"  # scan the order's barcode (a photo; also "try again")
    PLATE = "p"  # photo of the car's plate (also "try again")
    TYPED = "w"  # type a plate or part of the number (after a failed recognition)
    CALENDAR = "c"  # back to the /order calendar
    PICK = "o"  # open this order (order_id)
    TYPE = "t"  # choose the stage: TYPE_ORDER entry number `type_index` for order `order_id`


class OrderCb(CallbackData, prefix="or"):
    action: OrderAction
    order_id: int = 0
    type_index: int = 0


class OrderCalendarCb(SimpleCalendarCallback, prefix="oc"):
    """aiogram-calendar's SimpleCalendar data under our own prefix (year/month/day, an act)."""


# --- conversations / care / admin -----------------------------------------------------


class ConvAction(StrEnum):
    OPEN_ORDER = "o"  # staff: switch into the order a client replied about
    CHAT = "c"  # staff: enter the order's chat (typed text goes to its client)
    SEND = "s"  # staff: send the text this hint replies to to the order's client, and enter its chat


class ConvCb(CallbackData, prefix="cv"):
    action: ConvAction
    order_id: int


class CareAction(StrEnum):
    REPLY = "r"  # care/admin: write to this client
    CANCEL = "x"


class CareCb(CallbackData, prefix="cr"):
    action: CareAction
    client_id: int = 0


class ClientAction(StrEnum):
    TO_CARE = "c"  # client: send what I wrote to customer care
    CANCEL = "x"


class ClientCb(CallbackData, prefix="cl"):
    action: ClientAction


class AdminAction(StrEnum):
    LEVEL = "lv"  # menu: change a user's level
    NAME = "nm"
    ACTIVITY = "ac"
    ORDER_PROTOCOL = "op"
    GENERAL_PROTOCOL = "gp"
    USERS = "us"
    PAGE = "pg"  # user list page (value = page)
    PICK = "pk"  # user picked (user_id)
    SET_LEVEL = "sl"  # value = Level
    SET_ACTIVITY = "sa"  # value = Activity
    CANCEL = "x"


class AdminCb(CallbackData, prefix="ad"):
    action: AdminAction
    user_id: int = 0
    value: int = 0
