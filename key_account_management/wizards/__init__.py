from . import kam_account_export
