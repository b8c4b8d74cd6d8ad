"""The policy's own definition: the file's model and sections, its conditions, the default."""
