"""Model providers that the agents SDK does not ship: our adapters (see agents/model_selection.py)."""
