# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression

from .kam_input import check_input, latest_today

IMPORTANCE = [("info", "Info"), ("important", "Important"), ("critical", "Critical")]
IMPORTANCE_RANK = {"critical": 0, "important": 1, "info": 2}
SOURCES = [
    ("meeting", "Meeting"),
    ("call", "Phone Call"),
    ("email", "Email"),
    ("visit", "Visit"),
    ("complaint", "Complaint"),
    ("contract", "Contract"),
    ("other", "Other"),
]


class KamPreferenceCategory(models.Model):
    _name = "kam.preference.category"
    _inherit = ["kam.input.mixin"]
    _description = "Key Account Preference Category"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    description = fields.Text(translate=True)
    confidential = fields.Boolean(
        help="Preferences of this category are visible only to the account's manager and team and to key "
        "account managers (e.g. price sensitivity). Salesmen only learn that one exists.",
    )
    color = fields.Integer()
    active = fields.Boolean(default=True)


class KamPreference(models.Model):
    """Preferences and needs of a key account (客户偏好与需求): what the
    customer expects on specifications, packaging, delivery, documents...,
    shown to whoever quotes for the account."""

    _name = "kam.preference"
    _description = "Key Account Preference"
    _inherit = ["kam.account.mixin", "mail.thread"]
    # importance values sort as critical, important, info
    _order = "partner_id, importance, category_sequence, id"
    _rec_names_search = ["description", "category_id"]

    category_id = fields.Many2one(
        "kam.preference.category", required=True, tracking=True, ondelete="restrict", index=True
    )
    category_sequence = fields.Integer(related="category_id.sequence", store=True, string="Category Sequence")
    confidential = fields.Boolean(
        related="category_id.confidential",
        store=True,
        index=True,
        help="Visible only to the account's manager and team and to key account managers.",
    )
    product_id = fields.Many2one(
        "product.product",
        tracking=True,
        index="btree_not_null",
        help="Only for orders containing this product. Leave product and product category empty for a general "
        "preference.",
    )
    product_category_id = fields.Many2one(
        "product.category",
        tracking=True,
        index="btree_not_null",
        help="Only for orders containing a product of this category (or of one of its sub-categories).",
    )
    description = fields.Text(required=True, tracking=True)
    importance = fields.Selection(
        IMPORTANCE,
        required=True,
        default="important",
        tracking=True,
        help="Critical preferences must be acknowledged on a quotation before it can be confirmed.",
    )
    source = fields.Selection(SOURCES, tracking=True, help="Where the preference was learnt.")
    source_note = fields.Char("Source Details")
    source_ref = fields.Char("Source Reference", help="Reference of the meeting, contract, e-mail... it comes from.")
    interaction_id = fields.Many2one(
        "kam.interaction",
        "Learnt In",
        index="btree_not_null",
        ondelete="set null",
        domain="[('partner_id', '=', partner_id)]",
        help="The interaction where this preference was learnt.",
    )
    last_verified_date = fields.Date(
        "Last Verified",
        default=fields.Date.context_today,
        tracking=True,
        copy=False,
        help="When the preference was last confirmed with the customer.",
    )
    verified_by_id = fields.Many2one(
        "res.users",
        default=lambda self: self.env.user,
        tracking=True,
        copy=False,
        domain=[("share", "=", False)],
    )
    is_stale = fields.Boolean(
        "Stale",
        compute="_compute_is_stale",
        search="_search_is_stale",
        help="Not verified for longer than the company's preference review period.",
    )
    active = fields.Boolean(default=True, tracking=True)

    @api.depends("category_id", "description")
    def _compute_display_name(self):
        for pref in self:
            text = (pref.description or "").strip().splitlines()
            text = text[0] if text else ""
            if len(text) > 60:
                text = text[:57] + "..."
            pref.display_name = f"{pref.category_id.name}: {text}" if pref.category_id else text

    @api.model
    def _stale_limit(self, company):
        """Preferences last verified before this date are stale."""
        company = company or self.env.company
        return fields.Date.context_today(self) - relativedelta(months=company.kam_preference_stale_months or 6)

    @api.depends("last_verified_date", "company_id")
    def _compute_is_stale(self):
        for pref in self:
            pref.is_stale = not pref.last_verified_date or pref.last_verified_date < self._stale_limit(pref.company_id)

    def _search_is_stale(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Search stale preferences with = True or = False."))
        domains = [
            [
                ("company_id", "=", False),
                "|",
                ("last_verified_date", "=", False),
                ("last_verified_date", "<", self._stale_limit(self.env.company)),
            ]
        ]
        for company in self.env.companies:
            domains.append(
                [
                    ("company_id", "=", company.id),
                    "|",
                    ("last_verified_date", "=", False),
                    ("last_verified_date", "<", self._stale_limit(company)),
                ]
            )
        domain = expression.OR(domains)
        if (operator == "=") != value:
            domain = ["!"] + domain
        return domain

    @api.constrains("product_id", "product_category_id")
    def _check_product_or_category(self):
        for pref in self:
            if pref.product_id and pref.product_category_id:
                raise ValidationError(
                    self.env._(
                        "The preference “%s” applies either to a product or to a product category: "
                        "pick one and clear the other (leave both empty for a general preference).",
                        pref.display_name,
                    )
                )

    @api.constrains("interaction_id", "partner_id")
    def _check_interaction(self):
        for pref in self:
            if pref.interaction_id and pref.interaction_id.partner_id != pref.partner_id:
                raise ValidationError(
                    self.env._(
                        "The interaction a preference was learnt in must be one of the same account: "
                        "choose another one."
                    )
                )

    @api.constrains("description")
    def _check_description(self):
        for pref in self:
            if not (pref.description or "").strip():
                raise ValidationError(self.env._("Describe the preference: the description cannot be empty."))

    @api.constrains("last_verified_date")
    def _check_last_verified_date(self):
        today = latest_today()
        for pref in self:
            if pref.last_verified_date and pref.last_verified_date > today:
                raise ValidationError(
                    self.env._(
                        "The preference “%(pref)s” cannot be verified in the future (%(date)s): "
                        "use today's date or an earlier one.",
                        pref=pref.display_name,
                        date=pref.last_verified_date,
                    )
                )

    @api.model
    def _check_description_vals(self, vals):
        """An empty description is refused before it reaches the database
        (a clear message instead of a NOT NULL violation)."""
        description = vals.get("description")
        if "description" in vals and (not description or isinstance(description, str) and not description.strip()):
            raise ValidationError(self.env._("Describe the preference: the description cannot be empty."))

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, vals_list)
        for vals in vals_list:
            self._check_description_vals(dict({"description": False}, **vals))
        return super().create(vals_list)

    def write(self, vals):
        check_input(self, [vals])
        self._check_description_vals(vals)
        return super().write(vals)

    @api.model
    @api.readonly
    def get_import_templates(self):
        return [
            {
                "label": self.env._("Import Template for Key Account Preferences"),
                "template": "/key_account_management/static/xls/kam_preference.xlsx",
            }
        ]

    def action_mark_verified(self):
        """The customer confirmed the preference(s) today."""
        self.write({"last_verified_date": fields.Date.context_today(self), "verified_by_id": self.env.user.id})
        return True

    def _applies_to_products(self, products):
        """True when this preference applies to an order with ``products``:
        general preferences always, product ones when the product is there,
        category ones when a product is in the category or a sub-category."""
        self.ensure_one()
        if self.product_id:
            return self.product_id in products
        if self.product_category_id:
            prefix = self.product_category_id.parent_path
            return any((categ.parent_path or "").startswith(prefix) for categ in products.categ_id)
        return True

    def _sorted_by_importance(self):
        return self.sorted(lambda p: (IMPORTANCE_RANK.get(p.importance, 9), p.category_sequence, p.id))
