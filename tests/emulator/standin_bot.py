"""A tiny aiogram bot used to test the e2e harness without the real bot.py: echoes text messages."""

from __future__ import annotations

import asyncio
import os

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message


async def main() -> None:
    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
    bot = Bot(os.environ["BOT_TOKEN"], session=AiohttpSession(api=api))
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> None:
        org = os.environ.get("ORGANIZATION_NAME", "")
        await message.answer(f"echo: {message.text} ({org})")

    print("standin bot starting", flush=True)
    await dp.start_polling(bot, polling_timeout=10, handle_signals=True)
    print("standin bot stopped", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
