"""Imported once by the fork server of the CLI's drawing helpers (``cli._drawing_pool``): it
loads matplotlib and its fonts (:func:`hebbkit.plots.warm_up`), so that every helper forked
from the server starts with them loaded. A failure here must not end the server: it shows
where a figure is drawn."""

import contextlib

from . import warm_up

with contextlib.suppress(Exception):
    warm_up()
