"""Learning from history: the text model of significance, trained on rated bug reports."""
