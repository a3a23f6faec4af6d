# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

KAM_PLAN_MODELS = ("res.partner", "crm.lead", "sale.order")


class MailActivityPlanTemplate(models.Model):
    """An activity plan step can be assigned to "the user responsible for
    duty X on this account" (like core hr's coach / manager)."""

    _inherit = "mail.activity.plan.template"

    responsible_type = fields.Selection(
        selection_add=[("kam_duty", "Key Account Duty Owner")], ondelete={"kam_duty": "cascade"}
    )
    kam_duty_id = fields.Many2one("kam.duty", "Duty", help="The user responsible for this duty on the account.")

    @api.constrains("responsible_type", "kam_duty_id", "plan_id")
    def _check_kam_duty(self):
        for template in self.filtered(lambda t: t.responsible_type == "kam_duty"):
            if not template.kam_duty_id:
                raise ValidationError(
                    self.env._(
                        "Choose the duty whose owner does “%s”.", template.summary or template.activity_type_id.name
                    )
                )
            if template.plan_id.res_model not in KAM_PLAN_MODELS:
                raise ValidationError(
                    self.env._(
                        "The duty owner of a key account can only be used in plans for contacts, opportunities "
                        "and sale orders."
                    )
                )

    def _determine_responsible(self, on_demand_responsible, applied_on_record):
        if self.responsible_type != "kam_duty":
            return super()._determine_responsible(on_demand_responsible, applied_on_record)
        partner = applied_on_record if applied_on_record._name == "res.partner" else applied_on_record.partner_id
        account = partner.commercial_partner_id
        responsibility = (
            self.env["kam.responsibility"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", account.id),
                    ("duty_id", "=", self.kam_duty_id.id),
                    ("raci", "=", "responsible"),
                    ("state", "=", "confirmed"),
                ],
                limit=1,
            )
        )
        user = responsibility.user_id
        return {
            "responsible": user,
            "error": False
            if user
            else self.env._(
                "No one is responsible for “%(duty)s” on %(account)s: fill the responsibility matrix first.",
                duty=self.kam_duty_id.name,
                account=account.display_name or self.env._("this record"),
            ),
        }
