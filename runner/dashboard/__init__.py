"""The Voila dashboard: presentation over :mod:`runner.service`, with no logic of its own."""
