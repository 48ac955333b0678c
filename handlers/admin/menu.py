"""Placeholder: filled in by its feature."""

from __future__ import annotations

from aiogram import Router

router = Router(name=__name__)
