"""``tether serve``: the review in a browser, through textual-serve.

textual-serve starts one app process per browser connection, so a browser
seat is one more app command run by the server (``command.py``); the server
is textual-serve's aiohttp application with Tether's access rules in front
of every route (``guard.py``), run by ``server.py``.
"""
