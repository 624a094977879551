"""Built-in crosswalk profiles (TOML), read by :mod:`landrelease.io.crosswalk`."""
