"""Builds the bot, the services the handlers receive by name, and the dispatcher."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import PRODUCTION, TelegramAPIServer
from aiogram.enums import ParseMode

import database
import texts
from config import Settings
from database.connection import Database
from database.digest import DigestRepo
from database.folder_files import FolderFileRepo
from database.fsm_storage import SQLiteStorage
from database.held_media import HeldMediaRepo
from database.marks import MarkRepo
from database.media import MediaRepo
from database.order_invites import InviteRepo
from database.order_statuses import StatusRepo
from database.orders import Order, OrderRepo
from database.outbox import OutboxRepo
from database.protocol import ProtocolRepo
from database.recommendations import RecommendationRepo
from database.report import ReportRepo
from database.routing import RoutingRepo
from database.staff_invites import StaffInviteRepo
from database.users import User, UserRepo
from database.work import WorkRepo
from handlers import build_root_router
from keyboards.conversations import ClientRouteButtons
from keyboards.marks import with_mark_buttons
from keyboards.recommendations import DecisionButtons
from middlewares.dialogs import CommandEndsDialog
from middlewares.private import PrivateChatsOnly
from middlewares.user import UserMiddleware
from runtime.lifecycle import Lifecycle
from runtime.outbox import Outbox
from runtime.session import OutgoingCalls, RateLimiter
from runtime.share_uploads import uploads
from runtime.telegram_files import TelegramFiles
from services.admin import AdminTools
from services.attention import AttentionWords
from services.client_messages import ClientMessages
from services.conversations import RELAY_KIND, CareQueue, ClientRouter, Conversations, relay_report
from services.digest import DailyDigest
from services.folder_watch.watcher import FolderDeliveries, FolderWatcher
from services.inspection.invites import Invites
from services.inspection.marks import MarkService
from services.inspection.recommendations import Recommendations
from services.inspection.report import READY_STATUS, OrderReports
from services.inspection.status_templates import StatusTemplates
from services.inspection.statuses import StatusListener, StatusService
from services.last_seen import LastSeen
from services.media import REPORT_KIND as MEDIA_REPORT_KIND
from services.media import MediaService, media_report
from services.media.store import MediaStore, cleanup_partial_files
from services.orders.index import OrderIndex
from services.orders_flow import OrdersFlow
from services.protocol import Protocol
from services.recognition.worker import Recognizer
from services.registration import Registration
from services.uploads import ClientUploads


@dataclass(frozen=True, slots=True)
class Services:
    """Everything handlers may declare by parameter name (`users: UserRepo`, `outbox: Outbox`...)."""

    settings: Settings
    db: Database
    users: UserRepo
    outbox: Outbox
    orders: OrderRepo
    order_index: OrderIndex
    work: WorkRepo
    protocol: Protocol
    conversations: Conversations
    admin_tools: AdminTools
    media: MediaService
    orders_flow: OrdersFlow
    client_messages: ClientMessages
    registration: Registration
    recognizer: Recognizer
    folder_watcher: FolderWatcher
    care_queue: CareQueue
    invites: Invites
    statuses: StatusService
    reports: OrderReports  # the order's PDF report (issue 15.5)
    marks: MarkService
    recommendations: Recommendations

    def workflow_data(self) -> dict[str, object]:
        return {field.name: getattr(self, field.name) for field in fields(self)}

    def background_jobs(self) -> list[Coroutine[Any, Any, None]]:
        """Long-running loops started with the bot and cancelled at shutdown."""
        return [*self._optional_jobs(), *self._core_jobs()]

    def _optional_jobs(self) -> list[Coroutine[Any, Any, None]]:
        if self.settings.digest_time is None:
            return []
        return [DailyDigest(DigestRepo(self.db), self.users, self.outbox, self.settings.digest_time).run()]

    def _core_jobs(self) -> list[Coroutine[Any, Any, None]]:
        return [
            self.outbox.run(),
            self.db.checkpoint_periodically(),
            self.order_index.run_periodically(self.settings.order_rescan_seconds),
            # files copied into order folders by hand: two looks per file, so within a minute
            self.folder_watcher.run_periodically(
                self.settings.order_rescan_seconds / 3, self.order_index.refresh
            ),
            self.protocol.archive_pending(),
            self.care_queue.run_periodically(),
            # .part files of downloads a crash interrupted; newer ones belong to this run's replays
            asyncio.to_thread(cleanup_partial_files, self.settings.branch_photo, time.time()),
        ]

    async def close(self) -> None:
        """Finish group writes and release the recognition worker processes; the database stays open."""
        await self.protocol.flush()
        await self.outbox.flush()
        await self.recognizer.close()
        await self.reports.close()


def build_bot(settings: Settings) -> Bot:
    api = (
        TelegramAPIServer.from_base(settings.telegram_api_url, is_local=settings.telegram_api_local)
        if settings.telegram_api_url
        else PRODUCTION
    )
    session = AiohttpSession(api=api)
    session.middleware(OutgoingCalls(RateLimiter(settings.send_rate_global, settings.send_rate_per_chat)))
    return Bot(settings.bot_token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def build_services(
    settings: Settings, db: Database, bot: Bot, clock: Callable[[], float] = time.monotonic
) -> Services:
    """`clock` (monotonic seconds) times what waits on the clock in-process: tests pass their own."""
    users = UserRepo(db)
    outbox = Outbox(OutboxRepo(db), bot, settings.delivery_slow_seconds, clock)
    outbox.on_blocked(lambda chat_id: users.set_reachable(chat_id, False))
    outbox.add_reporter(RELAY_KIND, relay_report)
    outbox.add_reporter(MEDIA_REPORT_KIND, with_mark_buttons(media_report))
    outbox.convert_payloads(uploads(settings.branch_photo))
    orders = OrderRepo(db)
    work = WorkRepo(db)
    routing = RoutingRepo(db)
    protocol = Protocol(ProtocolRepo(db), settings.branch_photo)
    attention = AttentionWords(Path(database.__file__).with_name("attention_words.py"), clock=clock)
    media_repo = MediaRepo(db)
    mark_repo = MarkRepo(db)
    marks = MarkService(marks=mark_repo, orders=orders, outbox=outbox, protocol=protocol)
    order_index = OrderIndex(orders, settings.branch_photo, settings.closed_order)
    media = MediaService(
        settings=settings,
        store=MediaStore(settings.branch_photo),
        media=media_repo,
        orders=orders,
        users=users,
        work=work,
        protocol=protocol,
        outbox=outbox,
        held=HeldMediaRepo(db),
        marks=marks,
    )
    conversations = Conversations(
        users, orders, work, protocol, outbox, attention, settings.organization_name, routing
    )
    client_uploads = ClientUploads(routing, settings.client_upload_order_mb, settings.client_upload_day_mb)
    telegram_files = TelegramFiles(bot, settings.telegram_api_local)
    reports = OrderReports(
        settings=settings, repo=ReportRepo(db), orders=orders, users=users, outbox=outbox, protocol=protocol
    )
    statuses = StatusService(
        StatusRepo(db),
        orders,
        users,
        outbox,
        protocol,
        StatusTemplates(settings.status_messages_file, settings.order_statuses),
        settings.order_statuses,
        settings.organization_name,
        on_change=[report_when_ready(reports)],
    )
    return Services(
        settings=settings,
        db=db,
        users=users,
        outbox=outbox,
        orders=orders,
        order_index=order_index,
        work=work,
        protocol=protocol,
        conversations=conversations,
        admin_tools=AdminTools(
            users,
            orders,
            protocol,
            {
                settings.client_files_folder: texts.CLIENT_FILES_STAGE,
                **{folder: label for label, folder in settings.type_order.items()},
            },
            StaffInviteRepo(db),
        ),
        media=media,
        orders_flow=OrdersFlow(orders, work, order_index, settings.type_order),
        client_messages=ClientMessages(
            conversations, media, client_uploads, telegram_files.fetch_incoming, ClientRouteButtons()
        ),
        registration=Registration(users, outbox, media, conversations, settings.admin_phones, settings.demo),
        recognizer=Recognizer(settings.branch_tesseract, ocr_engine=settings.ocr_engine),
        folder_watcher=FolderWatcher(
            settings=settings,
            repo=FolderFileRepo(db),
            media=media_repo,
            users=users,
            deliveries=FolderDeliveries(media.claimed_deliveries, outbox),
            protocol=protocol,
        ),
        care_queue=CareQueue(
            users,
            routing,
            ClientRouter(users, orders, work, routing),
            outbox,
            ClientRouteButtons(),
            settings.care_remind_minutes,
        ),
        invites=Invites(InviteRepo(db), orders, users, outbox, protocol),
        statuses=statuses,
        reports=reports,
        marks=marks,
        recommendations=Recommendations(
            settings=settings,
            recs=RecommendationRepo(db),
            marks=mark_repo,
            orders=orders,
            users=users,
            outbox=outbox,
            protocol=protocol,
            buttons=DecisionButtons(),
        ),
    )


def report_when_ready(reports: OrderReports) -> StatusListener:
    """At "ready for pickup" the owner gets the order's PDF report, once per status row."""

    async def send(order: Order, key: str, staff: User, row_id: int) -> None:
        if key == READY_STATUS:
            await reports.send_to_owner(order.id, reason_key=f"status:{row_id}")

    return send


def build_dispatcher(services: Services) -> Dispatcher:
    dp = Dispatcher(storage=SQLiteStorage(services.db), **services.workflow_data())
    dp.update.outer_middleware(PrivateChatsOnly())
    dp.update.outer_middleware(UserMiddleware(services.users, LastSeen(services.users)))
    dp.message.outer_middleware(CommandEndsDialog())  # a command always wins over a waiting prompt
    dp.include_router(build_root_router())
    Lifecycle(services).register(dp)
    return dp
