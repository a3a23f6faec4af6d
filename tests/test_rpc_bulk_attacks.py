"""The bulk paths attacked over JSON-RPC (``--workers=2`` server), as a portal
user and as users of another company send the calls: marking accounts key,
the key-account checks that run before Odoo's own, activity notes written by
SQL. key_account_management/tests/test_bulk_attacks.py has the same attacks
at the ORM level; here, what reaches the wire.
"""

import pytest
from rpc_client import Rpc
from rpc_setup import server_errors, setup_script

SETUP = """
c1 = env.company
c2 = env["res.company"].create({"name": "BLK Second Company"})
USER = "key_account_management.group_kam_user"
owner = user("blk_owner", USER, company_id=c1.id, company_ids=[Command.set(c1.ids)])
user_b = user("blk_user_b", USER, company_id=c2.id, company_ids=[Command.set(c2.ids)])
manager_b = user(
    "blk_manager_b", "key_account_management.group_kam_manager", company_id=c2.id, company_ids=[Command.set(c2.ids)]
)
account = key_account("BLK Secret Account", owner, company_id=c1.id)
buyer = contact(account, "BLK Secret Buyer", company_id=c1.id)
portal = portal_user("blk_portal", key_account("BLK Portal Customer", owner, company_id=c1.id))
plain = Partner.create({"name": "BLK Secret Plain", "is_company": True, "company_id": c1.id})
# a customer shared by both companies (no company), with a contact of company 1
shared = Partner.create({"name": "BLK Shared Customer", "is_company": True})
shared_buyer_c1 = contact(shared, "BLK Company 1 Buyer", company_id=c1.id)
tier_c1 = env["kam.tier"].create(
    {"name": "BLK Secret Platinum", "company_id": c1.id, "sequence": 0, "min_revenue": 1e9, "min_order_count": 1000}
)
account_b = key_account("BLK B Account", manager_b, model=Partner.with_company(c2), company_id=c2.id)
commit_and_emit({"account": account.id, "buyer": buyer.id, "plain": plain.id, "shared": shared.id,
                 "shared_buyer_c1": shared_buyer_c1.id, "tier_c1": tier_c1.id, "account_b": account_b.id,
                 "c1": c1.id})
"""

SECRETS = ("BLK Secret Account", "BLK Secret Buyer", "BLK Secret Plain", "BLK Secret Platinum")


@pytest.fixture
def bulk_server(rpc_server, test_db):
    # named after the test database, as the other databases of whoever runs the tests
    return rpc_server(f"{test_db}_blk", setup_script(SETUP), "pytest-rpc-bulk-attacks")


def _no_secret(error):
    assert error, "refused"
    assert not any(secret in error[1] for secret in SECRETS), f"the refusal names a partner or tier: {error}"


def test_refusals_name_nothing_the_caller_cannot_read(bulk_server, odoo_log_errors):
    """A portal user and users of another company send ids of company 1's
    partners: Odoo's access error, never a key-account message naming them;
    and no server error."""
    base, db, ids, proc = bulk_server
    for login in ("blk_portal", "blk_user_b"):
        caller = Rpc(base, db, login)
        for target, vals in (
            (ids["account"], {"kam_is_key_account": False}),
            (ids["account"], {"kam_manager_id": 1}),
            (ids["plain"], {"kam_is_key_account": True}),
            (ids["buyer"], {"parent_id": False}),
        ):
            result, error = caller.call("res.partner", "write", [target], vals)
            assert result is None, f"{login} wrote {vals} on {target}"
            _no_secret(error)
            assert error[0] == "odoo.exceptions.AccessError", error
        result, error = caller.call("res.partner", "unlink", [ids["buyer"]])
        _no_secret(error)
        for vals in ({"kam_potential": 500}, {"kam_buying_role": "decision_maker"}, {"kam_is_key_account": True}):
            result, error = caller.call("res.partner", "create", [{"name": "Spy", "parent_id": ids["plain"], **vals}])
            assert result is None, f"{login} created a contact under company 1's partner with {vals}"
            _no_secret(error)
        for method in ("action_kam_mark_key_account", "action_kam_recompute_tier", "action_kam_refresh_health"):
            result, error = caller.call("res.partner", method, [ids["account"]])
            assert result is None, f"{login} ran {method} on company 1's account"
            _no_secret(error)
    assert not server_errors(proc, odoo_log_errors)


def test_other_company_marks_and_tiers_within_its_company(bulk_server, odoo_log_errors):
    """A user of company 2 marks the shared customer: it becomes company 2's
    with no company 1 contact moved; a manager of company 2 cannot give its
    account company 1's tier (a validation error that does not name it)."""
    base, db, ids, proc = bulk_server
    user_b = Rpc(base, db, "blk_user_b")
    user_b.ok("res.partner", "action_kam_mark_key_account", [ids["shared"]])
    manager_b = Rpc(base, db, "blk_manager_b")
    (shared,) = manager_b.ok("res.partner", "read", [ids["shared"]], ["company_id", "kam_is_key_account"])
    assert shared["kam_is_key_account"]
    assert shared["company_id"] and shared["company_id"][0] != ids["c1"]
    # company 1's contact stayed in company 1: company 2 does not see it
    assert not manager_b.ok("res.partner", "search", [("id", "=", ids["shared_buyer_c1"])])
    owner = Rpc(base, db, "blk_owner")
    (buyer,) = owner.ok("res.partner", "read", [ids["shared_buyer_c1"]], ["company_id"])
    assert buyer["company_id"][0] == ids["c1"], f"company 2 moved company 1's contact: {buyer}"

    result, error = manager_b.call("res.partner", "write", [ids["account_b"]], {"kam_tier_id": ids["tier_c1"]})
    assert result is None and error[0] == "odoo.exceptions.ValidationError", (result, error)
    _no_secret(error)
    assert not server_errors(proc, odoo_log_errors)
