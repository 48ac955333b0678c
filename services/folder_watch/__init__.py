"""Files put into order folders by other means (by hand, by the dealer's other programs) reach the client.

- ``watcher``: ``FolderWatcher`` (looks at open orders, settles complete files, sends them) and
  ``FolderDeliveries``; ``share-file:`` references (``local_ref``);
- ``walk``: one order folder's material files, without following links.
"""
