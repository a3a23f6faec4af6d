# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .kam_input import check_date_condition, check_input, check_related_kept
from .kam_job import KEY_ACCOUNT_DOMAIN


class KamAccountMixin(models.AbstractModel):
    """Records that hang on a key account (preferences, interactions,
    competitor notes, responsibilities, plans, reviews, signals...).

    Gives them the account (always the commercial entity, checked to be a key
    account), the company, the account's manager / team / tier, and the
    domain that record rules and "my accounts" filters use. Their record
    rules then read the same way::

        user:    ['|', ('partner_id.kam_manager_id', '=', user.id),
                       ('partner_id.kam_team_user_ids', 'in', user.id)]
        manager: [(1, '=', 1)]
        company: ['|', ('company_id', '=', False), ('company_id', 'in', company_ids)]
    """

    _name = "kam.account.mixin"
    _description = "Record of a key account"
    #: rows computed by the daily stages (figures of the account's company): when the account moves to
    #: another company they are dropped and computed again, not moved (res.partner
    #: ``_kam_move_records_to_company``)
    _kam_computed_rows = False

    partner_id = fields.Many2one(
        "res.partner",
        "Key Account",
        required=True,
        index=True,
        ondelete="cascade",
        domain=KEY_ACCOUNT_DOMAIN,
    )
    company_id = fields.Many2one("res.company", index=True, default=lambda self: self.env.company)
    kam_manager_id = fields.Many2one(
        "res.users", "Key Account Manager", related="partner_id.kam_manager_id", store=True, index=True
    )
    kam_tier_id = fields.Many2one("kam.tier", "Tier", related="partner_id.kam_tier_id")

    @api.model
    def _kam_commercial_vals_list(self, vals_list):
        """Records always hang on the commercial entity: a contact given as
        account is replaced by its company (one read for the whole list)."""
        partners = self.env["res.partner"].browse({vals["partner_id"] for vals in vals_list if vals.get("partner_id")})
        commercial = {partner.id: partner.commercial_partner_id.id for partner in partners.exists()}
        return [
            dict(vals, partner_id=commercial[vals["partner_id"]])
            if commercial.get(vals.get("partner_id"), vals.get("partner_id")) != vals.get("partner_id")
            else vals
            for vals in vals_list
        ]

    @api.model
    def _kam_company_vals_list(self, vals_list):
        """A record belongs to its account's company: given without a
        company, it gets the account's (not the user's current company, which
        a user of several companies may have set to another one); moved onto
        an account of another company, it follows it. A company given
        explicitly is checked by ``_check_company_of_account``."""
        partners = (
            self.env["res.partner"].sudo().browse({vals["partner_id"] for vals in vals_list if vals.get("partner_id")})
        )
        company_of = {partner.id: partner.company_id.id for partner in partners.exists() if partner.company_id}
        return [
            dict(vals, company_id=company_of[vals["partner_id"]])
            if "company_id" not in vals and vals.get("partner_id") in company_of
            else vals
            for vals in vals_list
        ]

    @api.model_create_multi
    def create(self, vals_list):
        check_input(self, vals_list)
        # (a followed field given to create is computed again by the ORM: nothing to check)
        return super().create(self._kam_company_vals_list(self._kam_commercial_vals_list(vals_list)))

    def write(self, vals):
        check_input(self, [vals])
        if vals.get("partner_id"):
            vals = self._kam_company_vals_list(self._kam_commercial_vals_list([vals]))[0]
        res = super().write(vals)
        check_related_kept(self, [vals])
        if "partner_id" in vals and not self.env.su:
            # Odoo checks the record rules on the records as they were before the
            # write: moved onto another account, they must be writable there too
            # (else a user could plant records on another team's account)
            self.check_access("write")
        return res

    def _condition_to_sql(self, alias, fname, operator, value, query):
        check_date_condition(self, fname, operator, value)
        return super()._condition_to_sql(alias, fname, operator, value, query)

    @api.constrains("partner_id", "company_id")
    def _check_company_of_account(self):
        """A record of an account that belongs to a company belongs to that
        company: in another one (or in none) it would be read by that
        company's users, who do not see the account itself."""
        for record in self.sudo():
            company = record.partner_id.company_id
            if company and record.company_id != company:
                raise ValidationError(
                    self.env._(
                        "“%(model)s” records of “%(partner)s” belong to its company, %(company)s.",
                        model=self.env["ir.model"]._get(record._name).display_name,
                        partner=record.partner_id.display_name,
                        company=company.display_name,
                    )
                )

    @api.constrains("partner_id")
    def _check_partner_is_key_account(self):
        for record in self:
            if record.partner_id and not record.partner_id.kam_is_key_account:
                raise ValidationError(
                    self.env._(
                        "“%(partner)s” is not a key account: mark it as key account first "
                        "(%(model)s can only be recorded for key accounts).",
                        partner=record.partner_id.display_name,
                        model=record._description,
                    )
                )
