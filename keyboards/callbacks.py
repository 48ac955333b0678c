"""Every inline button's data: typed CallbackData factories with short prefixes, ids only.

Telegram allows 64 bytes of callback data (aiogram's ``pack()`` raises beyond that, so a value too
long fails where it is built). Never put names, phones or folder names here.
"""

from __future__ import annotations

from datetime import MAXYEAR, MINYEAR, date
from enum import StrEnum
from typing import Annotated

from aiogram.filters.callback_data import CallbackData
from aiogram_calendar import SimpleCalendarCallback
from aiogram_calendar.schemas import SimpleCalAct
from pydantic import Field, model_validator

# Forged data with numbers out of range fails to unpack, so no handler matches and the catch-all
# answers "no rights" instead of a traceback (SQLite takes 64-bit integers, Telegram ids are < 2**52).
Id = Annotated[int, Field(ge=0, le=2**53)]
Small = Annotated[int, Field(ge=0, le=10_000)]

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
    order_id: Id = 0
    type_index: Small = 0


class OrderCalendarCb(SimpleCalendarCallback, prefix="oc"):
    """aiogram-calendar's SimpleCalendar data under our own prefix (year/month/day, an act)."""

    @model_validator(mode="after")
    def _real_date(self) -> OrderCalendarCb:
        """A forged impossible date (or one the calendar's year buttons would step out of) fails to unpack."""
        if self.year is not None and not MINYEAR < self.year < MAXYEAR:
            raise ValueError("year out of range")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError("month out of range")
        if self.day is not None and not 0 <= self.day <= 31:  # the calendar packs day 0 on some buttons
            raise ValueError("day out of range")
        if self.act is SimpleCalAct.day:
            date(self.year or 0, self.month or 0, self.day or 0)  # ValueError for 31.02 or a missing part
        return self


class OrderDayCb(CallbackData, prefix="od"):
    """A page of a calendar day's order list; a forged page is refused by OrdersFlow.day_page."""

    day: Annotated[int, Field(ge=1, le=date.max.toordinal())]  # date.toordinal(): short, always valid
    page: Small = 0

    @property
    def as_date(self) -> date:
        return date.fromordinal(self.day)


# --- conversations / care / admin -----------------------------------------------------


class ConvAction(StrEnum):
    OPEN_ORDER = "o"  # staff: switch into the order a client replied about
    CHAT = "c"  # staff: enter the order's chat (typed text goes to its client)
    SEND = "s"  # staff: send the text this hint replies to to the order's client, and enter its chat


class ConvCb(CallbackData, prefix="cv"):
    action: ConvAction
    order_id: Id


class CareAction(StrEnum):
    REPLY = "r"  # care/admin: write to this client
    CANCEL = "x"
    TAKE = "t"  # care/admin: take the client's request and talk to them
    CLOSE = "c"  # the request is done


class CareCb(CallbackData, prefix="cr"):
    action: CareAction
    client_id: Id = 0


class ClientAction(StrEnum):
    TO_CARE = "c"  # client: send what I wrote to customer care
    CANCEL = "x"


class ClientCb(CallbackData, prefix="cl"):
    action: ClientAction


class AdminAction(StrEnum):
    LIST = "ls"  # menu: the paged list of everybody
    ORDER_PROTOCOL = "op"
    GENERAL_PROTOCOL = "gp"
    USERS = "us"  # the user list as a file
    PAGE = "pg"  # user list page (value = page)
    PICK = "pk"  # open the card of user_id (value = the list page + 1 to go back to; 0: the search)
    CARD = "cd"  # back to the card of user_id (value as PICK)
    LEVEL = "lv"  # card: show the levels to choose from
    SET_LEVEL = "sl"  # value = Level
    SET_ACTIVITY = "sa"  # value = Activity
    NAME = "nm"  # card: type a new name
    BACK = "bk"  # card: back to the list it came from (value as PICK)
    MENU = "mn"
    CANCEL = "x"


class AdminCb(CallbackData, prefix="ad"):
    action: AdminAction
    user_id: Id = 0
    value: Small = 0


class AdminOrderCb(CallbackData, prefix="ap"):
    """The protocol of an order (from a card or from a list of found orders)."""

    order_id: Id


class InviteAction(StrEnum):
    NEW = "n"  # register the phone just typed (kept in the dialog, never here) as `value` (a Level)
    CARD = "c"
    LEVELS = "l"  # show the levels
    LEVEL = "v"  # value = Level
    NAME = "m"  # type a name
    NO_NAME = "o"  # leave the name empty
    DROP = "d"  # cancel the registration


class AdminInviteCb(CallbackData, prefix="ai"):
    """Staff registered in advance by phone (database.staff_invites)."""

    action: InviteAction
    invite_id: Id = 0
    value: Small = 0


# --- the owner's orders (issue 15) ----------------------------------------------------


class OwnerAction(StrEnum):
    REPORT = "r"  # the order's PDF report
    RECOMMENDATIONS = "m"  # the order's recommendations still waiting for a decision


class OwnerOrderCb(CallbackData, prefix="ow"):
    """A button under "Мои заказы"; handlers check `services.inspection.access.owns` before anything."""

    action: OwnerAction
    order_id: Id


# --- invitations and order statuses (issue 15.1, 15.2) ------------------------------------


class InviteCb(CallbackData, prefix="iv"):
    """Staff: the order's invitation link and QR."""

    order_id: Id


class StatusAction(StrEnum):
    MENU = "m"  # show the ORDER_STATUSES list for the order
    SET = "s"  # give the order status number `index` (services.inspection.statuses refuses a forged one)


class StatusCb(CallbackData, prefix="st"):
    action: StatusAction
    order_id: Id
    index: Small = 0


# --- the order report (issue 15.5) ----------------------------------------------------


class StaffReportCb(CallbackData, prefix="sr"):
    """Staff: the order's PDF report, from the order card (the role is checked by the staff router)."""

    order_id: Id


# --- condition marks and recommendations (issue 15.3, 15.4) -----------------------------


class MarkAction(StrEnum):
    SET = "s"  # staff: mark the filed photo/video (and the rest of its album) `mark`
    NO_NOTE = "n"  # staff: the mark needs no note (leaves the note prompt)


class MarkCb(CallbackData, prefix="mk"):
    """Under the filing confirmation; media_id is the first filed file of the message or album."""

    action: MarkAction
    media_id: Id
    mark: Annotated[str, Field(pattern="^(ok|soon|now)$")] = "ok"


class RecAction(StrEnum):
    VIEW = "v"  # staff: the order's recommendations and their totals
    NEW = "a"  # staff: start a new recommendation for the order
    MEDIA = "m"  # staff: link / unlink marked photo `media_id` (in the dialog)
    MEDIA_DONE = "d"  # staff: photos chosen, go on to the price
    CANCEL = "x"


class RecCb(CallbackData, prefix="rc"):
    action: RecAction
    order_id: Id = 0
    media_id: Id = 0


class DecideCb(CallbackData, prefix="dc"):
    """The owner's answer to a recommendation card; handlers check access.owns before anything."""

    rec_id: Id
    approve: bool


class AdminTemplateCb(CallbackData, prefix="tm"):
    """The admin menu's status messages: the list (index -1 is not used: `pick` False), or status
    number `index` of ORDER_STATUSES to see and edit."""

    pick: bool = False
    index: Small = 0
