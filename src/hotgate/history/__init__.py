"""Learning from history: the text model of significance, and weights fitted to past decisions."""
