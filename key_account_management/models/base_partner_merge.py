# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        """Merging moves every record of the merged partners (interactions,
        preferences, plans, competitor notes...) onto the destination: a key
        account is merged only by those who may edit it, like re-parenting."""
        if not self.env.su:
            partners = self.env["res.partner"].browse(partner_ids).exists()
            if dst_partner:
                # the destination takes the others' records: if it is a key account, it is changed
                partners -= dst_partner
                dst = dst_partner.sudo()
                if dst == dst.commercial_partner_id and dst._kam_holds_account_data():
                    dst_partner._kam_require_member_edit(
                        self.env._(
                            "“%s” is a key account: only its key account manager, its account team or a key "
                            "account manager may merge it with other partners.",
                            dst.display_name,
                        )
                    )
            # the others are deleted
            partners._kam_check_removal()
        return super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)
