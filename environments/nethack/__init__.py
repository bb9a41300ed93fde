"""NetHack through the NetHack Learning Environment (``nle``), with a language interface."""
