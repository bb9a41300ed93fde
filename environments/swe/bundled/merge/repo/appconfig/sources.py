"""Where settings come from: JSON and INI files and environment variables."""

from __future__ import annotations

import configparser
import json
import os
from pathlib import Path
from typing import Any, Dict, Iterable, Mapping, Optional, Union

from appconfig.errors import ConfigFileError
from appconfig.merge import merge_all
from appconfig.paths import set_path

INI_SUFFIXES = (".ini", ".cfg")


def coerce(text: str) -> Any:
    """A setting written as text, read as what it looks like: ``"true"`` -> True,
    ``"8080"`` -> 8080, ``"0.5"`` -> 0.5; anything else stays text."""
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def load_file(path: Union[str, Path]) -> Dict[str, Any]:
    """The settings in a JSON or INI file (by its suffix).

    Raises:
        ConfigFileError: the file is missing, does not parse, or has another suffix.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigFileError(f"cannot read {path}: {error.strerror or error}") from None
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ConfigFileError(f"{path} is not valid JSON: {error}") from None
        if not isinstance(data, dict):
            raise ConfigFileError(f"{path} must hold a JSON object, got {type(data).__name__}")
        return data
    if path.suffix in INI_SUFFIXES:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(text, source=str(path))
        except configparser.Error as error:
            raise ConfigFileError(f"{path} is not a valid INI file: {error}") from None
        settings: Dict[str, Any] = {}
        for section in parser.sections():
            for key, value in parser.items(section, raw=True):
                set_path(settings, f"{section}.{key}", coerce(value))
        return settings
    raise ConfigFileError(f"{path}: unknown settings format {path.suffix!r} (use .json, .ini or .cfg)")


def from_env(environ: Mapping[str, str], prefix: str = "APP_") -> Dict[str, Any]:
    """The settings in the variables that start with ``prefix``: ``APP_DB__PORT=6543``
    becomes ``{"db": {"port": 6543}}`` (names lower-cased, ``__`` between levels)."""
    settings: Dict[str, Any] = {}
    for name in sorted(environ):
        if name.startswith(prefix) and len(name) > len(prefix):
            path = name[len(prefix):].lower().replace("__", ".")
            set_path(settings, path, coerce(environ[name]))
    return settings


def load_layers(paths: Iterable[Union[str, Path]], environ: Optional[Mapping[str, str]] = None,
                prefix: str = "APP_") -> Dict[str, Any]:
    """The files in ``paths`` merged in order, then the environment on top (``os.environ``
    when ``environ`` is None; pass ``{}`` to leave it out)."""
    layers = [load_file(path) for path in paths]
    layers.append(from_env(os.environ if environ is None else environ, prefix))
    return merge_all(*layers)
