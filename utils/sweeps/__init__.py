"""Sweeps: the runs a file expands into, their plan, the ledger, their states and folders."""
