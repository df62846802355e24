"""idlgen: an Anchor IDL as the single source of truth for a hybrid exchange."""

__version__ = "0.1.0"
