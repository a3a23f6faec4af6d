# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class KamDigestPreview(models.TransientModel):
    """The current user's weekly digest as it would be sent now, in a dialog
    (“Preview my digest” in the preferences). Nothing is given: the body is
    always the current user's."""

    _name = "kam.digest.preview"
    _description = "Key account digest preview"

    body_html = fields.Html("Digest", compute="_compute_body_html", sanitize=False)

    def _compute_body_html(self):
        body = self.env["kam.digest"]._preview(self.env.user)
        for preview in self:
            preview.body_html = body

    def action_send(self):
        """“Send me my digest now” from the preview."""
        return self.env.user.action_kam_digest_send()
