"""Recognition: barcodes and licence plates read from photos, off the event loop.

- ``worker``: ``Recognizer``, the one the bot holds: a process pool with one warm worker, timeouts,
  errors logged once;
- ``errors``: ``RecognitionUnavailable`` and ``UnreadableImage`` (importable without OpenCV);
- ``barcodes`` (+ ``barcode_decoders``, ``barcode_regions``): every code on an order sheet;
- ``plates`` (+ ``plate_candidates``, ``plate_rules``, ``plate_rapid``, ``plate_tesseract``): Belarusian
  plates in photos of cars;
- ``images``: image loading and the command line shared by both readers.

This module imports nothing heavy: the bot process imports the worker and the errors only; OpenCV and
the OCR engines load in the worker process.
"""
