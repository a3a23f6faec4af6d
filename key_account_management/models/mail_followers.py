# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression


class MailFollowers(models.Model):
    _inherit = "mail.followers"

    kam_readable_by = fields.Integer(
        "Record Readable By (key account)",
        compute="_compute_kam_readable_by",
        search="_search_kam_readable_by",
        groups="base.group_system",
        help="Technical: the record rules show the key-account roles the followers of the addon's records "
        "that they may read (a user's id: the followers of records that user reads).",
    )

    def _compute_kam_readable_by(self):
        self.kam_readable_by = False

    def _search_kam_readable_by(self, operator, value):
        """The followers of the documents user ``value`` may read, among the
        addon's followed models (its record rules applied, as that user);
        those of other models as Odoo shows them. Searched by the record
        rules (as superuser, the user given in the domain)."""
        if operator != "=" or not isinstance(value, int) or isinstance(value, bool):
            raise UserError(self.env._("Search the readers of followed records with = and a user id."))
        if not self.env.su and value != self.env.uid:
            # (the rules search it as superuser; a user may not learn what another one reads)
            raise AccessError(self.env._("You may only search the followed records you read yourself."))
        user = self.env["res.users"].browse(value)
        conditions = [[("res_model", "not like", "kam.")]]
        for name in sorted(self.env.registry):
            Model = self.env[name]
            if name.startswith("kam.") and not Model._abstract and "message_follower_ids" in Model._fields:
                Model = Model.with_user(user).with_context(active_test=False)
                if Model.has_access("read"):  # (no access to the model: none of its followers)
                    conditions.append([("res_model", "=", name), ("res_id", "in", Model._search([]))])
        return expression.OR(conditions)
