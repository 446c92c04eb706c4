"""Jobs and workflows: the harvest run, its state and lock, the demo loader, publisher summaries."""
