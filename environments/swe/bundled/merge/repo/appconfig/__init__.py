"""Layered application settings: defaults, JSON/INI files and environment variables, merged."""

from appconfig.errors import ConfigError, ConfigFileError, ConfigKeyError
from appconfig.merge import deep_merge, merge_all
from appconfig.paths import flatten, get_path, set_path
from appconfig.sources import coerce, from_env, load_file, load_layers

__version__ = "0.9.1"

__all__ = [
    "ConfigError",
    "ConfigFileError",
    "ConfigKeyError",
    "coerce",
    "deep_merge",
    "flatten",
    "from_env",
    "get_path",
    "load_file",
    "load_layers",
    "merge_all",
    "set_path",
]
