"""liftsynth: labelled synthetic deadlift clips for liftcheck (developer tool)."""
__version__ = "0.1.0"
SCHEMA_VERSION = 1
