"""Answer models: one registry of providers, each found through the `newsqa.models` entry point."""
