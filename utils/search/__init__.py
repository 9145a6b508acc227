"""Search: the experiment file's `search:` section, its study, the driver that keeps trials in flight."""
