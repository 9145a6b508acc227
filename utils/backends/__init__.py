"""Backends: how the runs of a sweep get to a CPU. Every one ends in neuro.utils.execution.execute.execute_run."""
