"""Secret plan inputs: a master key file, each plan's wrapped data key, envelope encryption."""

from adapters.secrets.data_keys import open_data_keys
from adapters.secrets.envelope_vault import EnvelopeVault
from adapters.secrets.errors import SealedUnderAnotherPlanError
from adapters.secrets.master_key import MasterKey, init_master_key, load_master_key

__all__ = [
    "EnvelopeVault",
    "MasterKey",
    "SealedUnderAnotherPlanError",
    "init_master_key",
    "load_master_key",
    "open_data_keys",
]
