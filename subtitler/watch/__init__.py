"""The watched folder: inputs found as they arrive, done once each by worker processes, with
their state kept in SQLite so that a crash or a restart never loses or repeats work."""
