"""Reporting: results tables, curves and plots read from the ledger and run folders."""
