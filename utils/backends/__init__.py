"""Backends: how the runs of a sweep get to a CPU. Every one ends in utils.execution.execute.execute_run."""
