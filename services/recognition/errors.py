"""Recognition errors, apart from the OpenCV code: the bot process catches them without loading cv2."""

from __future__ import annotations


class RecognitionUnavailable(RuntimeError):
    """The native engine (libzbar, tesseract) is not installed: recognition cannot run at all."""


class UnreadableImage(ValueError):
    """The bytes or file are not an image OpenCV can decode."""
