from . import kam_account_export, kam_digest_preview
