"""Keeping the store in step with the trackers: running a sync, its sources file, writing back."""
