"""``python -m services.plates FILE...``: the plate reader's command line, kept under its old name
because ops' checks and the README run exactly this command. The code is in services.recognition.plates.
"""

from services.recognition.plates import main

if __name__ == "__main__":
    raise SystemExit(main())
