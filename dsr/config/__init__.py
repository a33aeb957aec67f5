"""dsr.yaml: the one place a company describes its controller, deadlines, ledger and sources."""

from dsr.config.load import load_config
from dsr.config.models import Config

__all__ = ["Config", "load_config"]
