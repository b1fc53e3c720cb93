"""Slow loop references written straight from the papers' equations (stumpy's ``naive.py``)."""
