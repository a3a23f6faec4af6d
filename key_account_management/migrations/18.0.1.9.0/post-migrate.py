# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.9.0

The weekly digest has new sections (late reorders, white space, relationship
coverage, least profitable accounts). Its mail template is ``noupdate`` data:
an update keeps the body a database has. The body shipped with the module is
loaded again, with its translations, unless a user edited the template (then
it is kept, and a warning says how to get the new one: *Reset Template*).
"""

import logging

from odoo import SUPERUSER_ID, api
from odoo.tools.convert import convert_file
from odoo.tools.translate import TranslationImporter

_logger = logging.getLogger(__name__)

MODULE = "key_account_management"
DIGEST = f"{MODULE}.mail_template_kam_digest"


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    template = env.ref(DIGEST, raise_if_not_found=False)
    if not template:
        return
    if template.write_uid.id != SUPERUSER_ID:
        _logger.warning(
            "%s: the weekly digest template was edited (by %s): kept; its new sections come with "
            "Reset Template (Settings > Technical > Email Templates)",
            MODULE,
            template.write_uid.login,
        )
        return
    convert_file(env, MODULE, "data/kam_digest_data.xml", None, mode="init", noupdate=True, kind="data")
    importer = TranslationImporter(cr, verbose=False)
    for lang, __ in env["res.lang"].get_installed():
        if lang == "en_US":
            continue
        # the base language file, then the country's (zh.po, zh_CN.po), as Odoo loads them
        for code in dict.fromkeys([lang.split("_")[0], lang]):
            importer.load_file(f"{MODULE}/i18n/{code}.po", lang, xmlids=[DIGEST])
    importer.save(overwrite=True)
    _logger.info("%s: the weekly digest template loaded again with its new sections", MODULE)
