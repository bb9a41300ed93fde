"""TextWorld games, generated offline on demand and cached (extra ``textworld``)."""
