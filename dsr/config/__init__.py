"""dsr.yaml: the one place a company describes its controller, deadlines, ledger and sources.

``load_config`` and ``Config`` are imported lazily: the connectors' option models
use ``dsr.config.fields``, and loading a configuration uses the connectors'
registry, so an eager import here would be circular.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dsr.config.load import load_config
    from dsr.config.models import Config

__all__ = ["Config", "load_config"]


def __getattr__(name: str) -> Any:
    if name == "load_config":
        from dsr.config.load import load_config

        return load_config
    if name == "Config":
        from dsr.config.models import Config

        return Config
    raise AttributeError(name)
