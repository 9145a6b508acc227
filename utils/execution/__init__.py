"""Executing one run: its context, code snapshot, progress display and the training toolkit."""
