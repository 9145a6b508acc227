"""The science: one package per experiment family."""
