"""Keeping the store in step with the trackers: running a sync, its sources file, writing back."""

# The sources file's name when none is given; here, so that naming it loads no connector.
DEFAULT_FILE = "hotgate-sources.yaml"
