"""ORM access through pytest-odoo: the module is installed with its default tiers."""

from odoo.tests import TransactionCase

MODULE = "key_account_management"


class TestInstalledModule(TransactionCase):
    # Odoo's MetaCase only tags test classes that live in odoo.addons.*;
    # BaseCase.__init__ needs the tags.
    test_tags = {"standard"}
    test_module = "repository_tests"

    def test_module_installed_with_default_tiers(self):
        module = self.env["ir.module.module"].search([("name", "=", MODULE)])
        self.assertEqual(module.state, "installed", f"{MODULE} is not installed in {self.env.cr.dbname}")

        tiers = self.env["kam.tier"]
        for name in ("kam_tier_strategic", "kam_tier_key", "kam_tier_growth"):
            tier = self.env.ref(f"{MODULE}.{name}", raise_if_not_found=False)
            self.assertTrue(tier, f"no record {MODULE}.{name}")
            self.assertEqual(tier._name, "kam.tier", f"{MODULE}.{name} is a {tier._name}, not a kam.tier")
            self.assertTrue(tier.name)
            tiers |= tier
        self.assertEqual(len(tiers), 3, "the three default tiers are not three distinct records")
