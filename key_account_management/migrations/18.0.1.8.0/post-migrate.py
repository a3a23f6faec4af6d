# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""18.0.1.8.0

A risk signal's description is shown in the reader's language: the signal
stores what it is made of (``description_data``: the health rule's key and
figures, or the text a user typed) instead of an English text. The texts of
the signals stored before are kept as typed texts; the health job replaces
those of open measured signals by their rule's data the next time it looks at
their account.
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        SELECT 1 FROM information_schema.columns
         WHERE table_name = 'kam_risk_signal' AND column_name = 'description'
        """
    )
    if not cr.fetchone():
        return
    cr.execute(
        """
        UPDATE kam_risk_signal
           SET description_data = jsonb_build_object('text', description)
         WHERE description_data IS NULL AND COALESCE(description, '') != ''
        """
    )
