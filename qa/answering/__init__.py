"""From passages to a verified `Answer`, the same way for every model: `pipeline` runs the model
and falls back when it must, `citations` renumbers and checks markers, `support` checks that each
cited claim rests on its passage."""
