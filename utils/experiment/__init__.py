"""The experiment file: its YAML source, parameter types, sections and task resolution."""
