"""Stories: articles about the same event, grouped as they arrive (see `grouping`)."""
