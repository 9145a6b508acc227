"""The engine behind `neuro`: experiment files, runs, ledger, execution, backends, results."""
