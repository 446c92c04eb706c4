"""The core: the record, vocabularies, settings, errors and text helpers. Imports nothing of Pulse."""
