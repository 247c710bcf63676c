"""Testing utilities: hypothesis strategies users can reuse (:mod:`sktopo.testing.strategies`)."""
