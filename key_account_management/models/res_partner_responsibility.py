# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict

from odoo import api, fields, models

from . import kam_account_privacy as private


class KamTier(models.Model):
    _inherit = "kam.tier"

    duty_ids = fields.Many2many(
        "kam.duty",
        "kam_tier_duty_rel",
        "tier_id",
        "duty_id",
        "Required Duties",
        help="Template of the tier: duties every account of this tier needs someone responsible for "
        "(in addition to the duties required for all key accounts).",
    )
    workload_weight = fields.Float(
        default=1.0, help="Weight of a responsibility on an account of this tier, to balance work."
    )


class ResPartner(models.Model):
    _inherit = "res.partner"

    kam_responsibility_ids = fields.One2many(
        "kam.responsibility", "partner_id", "Responsibilities", groups="key_account_management.group_kam_viewer"
    )
    kam_responsibility_gap_count = private.Integer(
        "Responsibility Gaps",
        compute="_compute_kam_responsibility_gaps",
        groups="key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )
    kam_missing_duty_names = private.Char(
        "Duties Without Owner",
        compute="_compute_kam_responsibility_gaps",
        groups="key_account_management.group_kam_viewer",
        search="_search_kam_unsearchable",
    )

    @api.depends(
        "kam_responsibility_ids.state",
        "kam_responsibility_ids.user_id",
        "kam_responsibility_ids.raci",
        "kam_responsibility_ids.duty_id",
        "kam_tier_id",
        "kam_is_key_account",
    )
    def _compute_kam_responsibility_gaps(self):
        gaps = defaultdict(list)
        if self.ids:
            for gap in self.env["kam.responsibility.gap"].sudo().search([("partner_id", "in", self.ids)]):
                gaps[gap.partner_id.id].append(gap.duty_id.name)
        for partner in self:
            partner.kam_responsibility_gap_count = len(gaps.get(partner.id, []))
            partner.kam_missing_duty_names = ", ".join(gaps.get(partner.id, []))

    def _kam_propose_responsibilities(self):
        """Create the missing responsibilities of these key accounts: one per
        required duty (required for all accounts, or by the account's tier)
        that has no responsible (R) yet. Filled and confirmed when the duty has
        a default user, proposed (draft) for the manager to confirm otherwise.
        Three queries for the whole set."""
        accounts = self.filtered(lambda p: p.kam_is_key_account and p == p.commercial_partner_id)
        if not accounts:
            return self.env["kam.responsibility"]
        Duty = self.env["kam.duty"].sudo()
        required = Duty.search([("required", "=", True)])
        existing = {
            (partner.id, duty.id)
            for partner, duty in self.env["kam.responsibility"]
            .sudo()
            .with_context(active_test=False)
            ._read_group(
                [("partner_id", "in", accounts.ids), ("raci", "=", "responsible"), ("active", "=", True)],
                ["partner_id", "duty_id"],
            )
        }
        vals_list = []
        for account in accounts:
            for duty in required | account.kam_tier_id.sudo().duty_ids:
                if (account.id, duty.id) in existing:
                    continue
                vals_list.append(
                    {
                        "partner_id": account.id,
                        "duty_id": duty.id,
                        "user_id": duty.default_user_id.id,
                        "cadence": duty.default_cadence,
                        "raci": "responsible",
                        "state": "confirmed" if duty.default_user_id else "draft",
                    }
                )
        # one INSERT for all (no "created" note per record): a fixed number of queries
        return self.env["kam.responsibility"].sudo()._create_proposed(vals_list)

    def action_kam_view_responsibilities(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("key_account_management.kam_responsibility_action")
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action
