"""ALFWorld's household tasks as text games, generated offline or loaded from the official data (extra ``alfworld``)."""
