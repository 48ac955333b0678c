"""The index of work orders: the order folders of BRANCH_PHOTO mirrored into SQLite.

- ``index``: ``OrderIndex`` (the scans, their reports, the periodic rescan);
- ``scan``: one walk of the share against what the index remembers (runs in a thread);
- ``content``: ``content.txt`` read and checked (problem codes);
- ``reads``: those reads with a time budget, so a hung share costs one folder, not the scan.
"""
