"""News-shaped answers: briefs of the stories about a topic, timelines, and figures that differ."""
