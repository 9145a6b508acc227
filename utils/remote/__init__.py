"""Remotes: login nodes reached over ssh, the project sent there, its results brought home."""
