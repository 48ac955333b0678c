"""``python -m services.barcodes FILE...``: the barcode reader's command line, kept under its old name
because ops' checks and the README run exactly this command. The code is in services.recognition.barcodes.
"""

from services.recognition.barcodes import main

if __name__ == "__main__":
    raise SystemExit(main())
