"""The pull-request gate: reading a diff, the content and fix lanes, the link to a decision."""
