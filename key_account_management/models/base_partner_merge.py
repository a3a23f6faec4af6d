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
            if len(partners) >= 2 and not (dst_partner and dst_partner in partners):
                # the destination base chooses itself (the automatic process, a wizard without one)
                dst_partner = self._get_ordered_partner(partners.ids)[-1]
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
            if dst_partner:
                # their orders go to the destination
                partners._kam_check_orders_gained(dst_partner)
        return super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)

    def _update_values(self, src_partners, dst_partner):
        """Base writes every stored field of the merged partners onto the
        destination: not the figures of the key-account jobs (no user writes
        them; the stages compute them again for the merged account), nor a
        “Reports To” going round in a circle (see res.partner
        ``_kam_merge_vals``)."""
        # base's foreign keys update made whoever reported to a merged partner report to the
        # destination: the destination too, if it reported to one of them (or to someone who did)
        dst = dst_partner.sudo()
        dst.invalidate_recordset(["kam_reports_to_id"])
        if dst.kam_reports_to_id and dst._has_cycle("kam_reports_to_id"):
            dst.kam_reports_to_id = False
        return super()._update_values(src_partners, dst_partner.with_context(kam_partner_merge=True))
