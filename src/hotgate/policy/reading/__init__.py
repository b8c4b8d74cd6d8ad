"""Reading evidence from a bug: fields, labels, signals, the report's structure, the text model."""
