"""Backends: how the runs of a sweep get to a CPU. Every one ends in utils.execute.execute_run."""
