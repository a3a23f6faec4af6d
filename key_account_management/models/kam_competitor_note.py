# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class KamCompetitorNote(models.Model):
    """Competitor intelligence per key account (confidential: account team
    and key account managers only)."""

    _name = "kam.competitor.note"
    _description = "Key Account Competitor Note"
    _inherit = ["kam.account.mixin", "mail.thread"]
    _order = "last_update desc, id desc"
    _rec_name = "competitor_id"

    competitor_id = fields.Many2one("res.partner", required=True, tracking=True)
    products = fields.Text(
        "Where They Compete", help="Products or product lines where this competitor sells to the account."
    )
    product_category_ids = fields.Many2many("product.category", string="Product Categories")
    share_of_wallet = fields.Float(
        "Estimated Share of Wallet (%)",
        tracking=True,
        aggregator="avg",
        help="Estimated share of the account's spend in these products that goes to this competitor.",
    )
    strengths = fields.Text()
    weaknesses = fields.Text()
    last_update = fields.Date(default=fields.Date.context_today, tracking=True)
    active = fields.Boolean(default=True)

    @api.constrains("share_of_wallet")
    def _check_share_of_wallet(self):
        for note in self:
            if not 0 <= note.share_of_wallet <= 100:  # also refuses NaN
                raise ValidationError(
                    self.env._(
                        "The share of wallet of %s is a percentage from 0 to 100.", note.competitor_id.display_name
                    )
                )

    @api.constrains("competitor_id", "partner_id")
    def _check_competitor(self):
        for note in self:
            if note.competitor_id.commercial_partner_id == note.partner_id:
                raise ValidationError(self.env._("An account cannot be its own competitor: choose another company."))
