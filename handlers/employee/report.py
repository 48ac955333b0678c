"""Staff: "📄 Отчёт" on the order card — the order's PDF report (issue 15.5).

The staff router's role filter runs on this callback too (a client's forged button never gets here).
"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import CallbackQuery

import texts
from database.orders import OrderRepo
from keyboards.callbacks import StaffReportCb
from services.inspection.report import OrderReports, ReportUnavailable

router = Router(name=__name__)


@router.callback_query(StaffReportCb.filter())
async def report_pressed(
    callback: CallbackQuery, callback_data: StaffReportCb, orders: OrderRepo, reports: OrderReports, bot: Bot
) -> None:
    order = await orders.get(callback_data.order_id)
    if order is None:
        await callback.answer(texts.ORDER_STALE, show_alert=True)
        return
    await callback.answer(texts.REPORT_PREPARING)
    chat_id = callback.from_user.id
    try:
        await reports.send(order, chat_id, f"c{callback.id}")
    except ReportUnavailable as exc:
        text = texts.REPORT_FONT_MISSING if exc.font_missing else texts.report_folder_failed(order.number)
        await bot.send_message(chat_id, text)
