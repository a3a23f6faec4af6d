# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models

from . import kam_account_privacy as private


class MailTrackingValue(models.Model):
    _inherit = "mail.tracking.value"

    def _filter_has_field_access(self, env):
        """Changes of an account-private field of a partner (its potential,
        a contact's buying role...) are shown in the partner's chatter only
        to those who read the field on that account."""
        trackings = super()._filter_has_field_access(env)
        if private.sees_all_accounts(env):
            return trackings
        private_fields = env["res.partner"]._kam_private_fields()
        hidden = trackings.filtered(
            lambda tracking: tracking.field_id.model == "res.partner" and tracking.field_id.name in private_fields
        )
        if not hidden:
            return trackings
        partners = env["res.partner"].browse(
            hidden.mail_message_id.filtered(lambda m: m.model == "res.partner").mapped("res_id")
        )
        visible = {partner.id for partner in partners if partner._kam_sees_account()}
        return trackings - hidden.filtered(lambda tracking: tracking.mail_message_id.res_id not in visible)
