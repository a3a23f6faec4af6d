"""Holes found by attacking the addon over JSON-RPC against a ``--workers=2``
server, as the roles of a real company (issue "Safe to install in a real
company", README "Security" and "Bad input and bad data").

Each test reproduces one hole and fails until it is fixed; the calls are the
exact ones a user (or a script with their login) can send.
"""

import pytest
from rpc_client import Rpc
from rpc_setup import server_errors, setup_script

SETUP = """
c1 = env.company
c2 = env["res.company"].create({"name": "ATK Second Company"})
owner = user("atk_owner", "key_account_management.group_kam_user")
intruder = user("atk_intruder", "key_account_management.group_kam_user,base.group_partner_manager")
# a viewer who, like most internal users, may edit contacts (Contact Creation)
viewer = user("atk_viewer", "key_account_management.group_kam_viewer,base.group_partner_manager")
manager1 = user(
    "atk_manager1", "key_account_management.group_kam_manager", company_id=c1.id, company_ids=[Command.set(c1.ids)]
)
manager2 = user(
    "atk_manager2", "key_account_management.group_kam_manager", company_id=c2.id, company_ids=[Command.set(c2.ids)]
)
account = key_account("ATK Account X", owner, company_id=c1.id, kam_team_user_ids=[Command.set(viewer.ids)])
buyer = contact(account, "ATK X Buyer", email="buyer@example.com")
own = key_account("ATK Intruder Own", intruder, company_id=c1.id)
# a key account of the second company's team on a partner shared by both companies (company_id
# empty, Odoo's default for a new partner); it buys only from the second company
shared = key_account(
    "ATK Shared Customer", manager2, model=Partner.with_company(c2),
    kam_competitor_notes="Second company: rival offers 12% off",
)
product = env["product.product"].create({"name": "ATK Widget", "list_price": 1000.0, "company_id": False})
order = sale_order(shared, product, qty=50, company=c2)
# a customer contact with portal access, a confidential critical preference of the account and a
# quotation sent to that contact for signature
portal = portal_user("atk_portal", account)
confidential = env["kam.preference.category"].search([("confidential", "=", True)], limit=1)
env["kam.preference"].create({
    "partner_id": account.id, "category_id": confidential.id, "importance": "critical",
    "description": "Secret price floor 42",
})
quotation = sale_order(portal.partner_id, product, confirm=False, require_signature=True, require_payment=False)
quotation.state = "sent"
token = quotation._portal_ensure_token()
# the daily job, as it runs (cron user, main company)
shared.with_company(c1).action_kam_recompute_tier()
commit_and_emit({"account": account.id, "contact": buyer.id, "own": own.id, "shared": shared.id, "c2": c2.id,
                 "intruder": intruder.id, "quotation": quotation.id, "token": token})
"""


USER_ERRORS = (
    "odoo.exceptions.AccessError",
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.MissingError",
)


@pytest.fixture
def attack_server(rpc_server):
    return rpc_server("kam_atk", setup_script(SETUP), "pytest-rpc-attacks")


def test_contact_key_account_fields_of_another_team(attack_server):
    """Hole: the buying-centre fields of a key account's contacts (buying role,
    influence, relationship, birthday) are key-account data of that account,
    but ``_kam_check_edit`` guards only KAM_ACCOUNT_FIELDS / KAM_MANAGER_FIELDS:
    a key account user of another account, and a read-only viewer who may
    edit contacts, write them."""
    base, db, ids, proc = attack_server
    contact, account = ids["contact"], ids["account"]
    intruder = Rpc(base, db, "atk_intruder")
    role = intruder.ok("res.partner", "fields_get", ["kam_buying_role"])["kam_buying_role"]["selection"][0][0]
    for vals in (
        {"kam_buying_role": role},
        {"kam_influence": 5},
        {"kam_relationship": 1},
        {"kam_birthday": "1980-01-01"},
    ):
        result, error = intruder.call("res.partner", "write", [contact], vals)
        assert error and error[0] in USER_ERRORS, (
            f"a key account user of another account wrote {vals} on a contact of another team's account: {result}"
        )
    result, error = intruder.call("res.partner", "write", [account], {"kam_buying_role": role})
    assert error and error[0] in USER_ERRORS, f"intruder wrote the buying role of another team's account: {result}"

    viewer = Rpc(base, db, "atk_viewer")  # team member, read-only role
    result, error = viewer.call("res.partner", "write", [contact], {"kam_influence": 1})
    assert error and error[0] in USER_ERRORS, f"a Key Account Viewer changed key-account data: {result}"


def test_company_sees_other_company_figures(attack_server):
    """Hole (multi-company): a key account manager of company 1 only reads the
    figures and competitor notes of a key account the second company manages,
    when the partner is shared (no company on the partner, Odoo's default).
    Its trailing revenue is the second company's sales: the figures are not
    per company."""
    base, db, ids, proc = attack_server
    manager1 = Rpc(base, db, "atk_manager1")
    result, error = manager1.call(
        "res.partner", "read", [ids["shared"]], ["kam_revenue_current", "kam_order_count", "kam_competitor_notes"]
    )
    if error:
        # the key account belongs to the second company: the first one does not see it at all
        assert error[0] == "odoo.exceptions.AccessError", f"reading another company's key account gave {error}"
        assert not manager1.ok("res.partner", "search_count", [("id", "=", ids["shared"])])
        return
    values = result[0]
    assert not values["kam_revenue_current"], (
        f"company 1 reads company 2's revenue of a shared customer: {values['kam_revenue_current']}"
    )
    assert not values["kam_order_count"], f"company 1 reads company 2's order count: {values['kam_order_count']}"
    assert not values["kam_competitor_notes"], (
        f"company 1 reads company 2's competitor notes: {values['kam_competitor_notes']!r}"
    )


def test_bad_input_team_and_boolean(attack_server, odoo_log_errors):
    """Hole (bad input): many2many values of ``kam_team_user_ids`` are not
    checked by ``models/kam_input.py`` (a string gives builtins.ValueError, a
    link command with a string id a psycopg2 error, a set of a user that does
    not exist a foreign-key error logged at ERROR and shown as "another model
    requires the record being deleted"); a dict is accepted as the boolean
    ``kam_is_key_account``."""
    base, db, ids, proc = attack_server
    owner = Rpc(base, db, "atk_owner")
    account = ids["account"]
    for value in ("abc", [[4, "x"]], [[6, 0, [999999999]]], [[4, 999999999]], [["x"]]):
        result, error = owner.call("res.partner", "write", [account], {"kam_team_user_ids": value})
        assert error and error[0] in USER_ERRORS, f"kam_team_user_ids={value!r} gave {result!r} / {error}"
    for value in ({"a": 1}, [1], "yes"):
        result, error = owner.call("res.partner", "write", [account], {"kam_is_key_account": value})
        assert error and error[0] == "odoo.exceptions.ValidationError", (
            f"kam_is_key_account={value!r} gave {result!r} / {error}"
        )
    errors = server_errors(proc, odoo_log_errors)
    assert not errors, "server errors:\n" + "\n".join(errors)


def test_search_non_stored_key_account_fields(attack_server, odoo_log_errors):
    """Hole (bad input, lower priority, Odoo's generic behaviour for a field
    without ``search=``): a domain on a non-stored computed kam_ field of the
    partner is ignored (every partner matches) and logs an ERROR line
    ("Non-stored field ... cannot be searched"); a ``nan`` date in a domain
    on an addon model reaches PostgreSQL (psycopg2 InvalidDatetimeFormat)."""
    base, db, ids, proc = attack_server
    owner = Rpc(base, db, "atk_owner")
    total = owner.ok("res.partner", "search_count", [])
    for leaf in (
        ("kam_missing_decision_maker", "=", True),
        ("kam_open_risk_signal_count", ">", 0),
        ("kam_effective_contact_interval", ">", 10**6),
        ("kam_responsibility_gap_count", ">", 0),
        ("kam_interaction_total", ">", 10**6),
        ("kam_channel_summary", "ilike", "zzz-no-such-channel"),
        ("kam_missing_duty_names", "ilike", "zzz-no-such-duty"),
    ):
        count, error = owner.call("res.partner", "search_count", [leaf])
        assert error or count < total, f"{leaf} is ignored: all {total} partners match"
    result, error = owner.call("kam.interaction", "search_count", [("date", ">", "nan")])
    assert error is None or error[0] in USER_ERRORS, f"date > 'nan' gave {error}"
    errors = server_errors(proc, odoo_log_errors)
    assert not errors, "server errors:\n" + "\n".join(errors)


def test_takeover_of_a_paused_key_account(attack_server):
    """Hole: ``_kam_check_edit`` lets any key account user write key-account
    fields when the write marks a partner as key account ("marking"), even
    when the partner still holds a key-account profile: its manager, team,
    competitor notes, interactions and confidential preferences stay on it
    when its manager unticks "Key Account" (e.g. paused for a year). Another
    team's key account user then marks it again with themselves as manager
    and reads everything."""
    base, db, ids, proc = attack_server
    account = ids["account"]
    owner = Rpc(base, db, "atk_owner")
    owner.ok("res.partner", "write", [account], {"kam_competitor_notes": "Rival undercuts by 7%"})
    owner.ok(
        "kam.interaction", "create",
        {"partner_id": account, "name": "Price talk", "channel": "meeting", "summary": "Wants 5% off"},
    )  # fmt: skip
    owner.ok("res.partner", "write", [account], {"kam_is_key_account": False})  # paused by its manager

    intruder = Rpc(base, db, "atk_intruder")
    result, error = intruder.call(
        "res.partner", "write", [account], {"kam_is_key_account": True, "kam_manager_id": ids["intruder"]}
    )
    values = owner.ok("res.partner", "read", [account], ["kam_manager_id"])[0]
    assert values["kam_manager_id"][1] == "atk_owner", (
        f"another team's key account user took the paused account over ({result!r} / {error})"
    )
    notes = intruder.ok("res.partner", "read", [account], ["kam_competitor_notes"])[0]["kam_competitor_notes"]
    assert not notes, f"the intruder reads the account's competitor notes: {notes!r}"
    assert not intruder.ok("kam.interaction", "search_count", [("partner_id", "=", account)])


def test_move_own_records_onto_another_team_account(attack_server):
    """Hole: record rules are checked on the records before a ``write``, not
    after: a key account user creates a critical preference, a plan or an
    interaction on their own account, then writes ``partner_id`` = another
    team's account. The records land on that account (a critical preference
    then blocks the confirmation of its orders until acknowledged; an
    interaction moves its last-contact figures)."""
    base, db, ids, proc = attack_server
    account, own = ids["account"], ids["own"]
    intruder = Rpc(base, db, "atk_intruder")
    category = intruder.ok("kam.preference.category", "search", [("confidential", "=", False)], limit=1)[0]
    records = {
        "kam.preference": intruder.ok(
            "kam.preference", "create",
            {"partner_id": own, "category_id": category, "description": "Planted", "importance": "critical"},
        ),
        "kam.plan": intruder.ok("kam.plan", "create", {"partner_id": own, "name": "Planted plan"}),
        "kam.interaction": intruder.ok(
            "kam.interaction", "create", {"partner_id": own, "name": "Planted talk", "channel": "meeting"}
        ),
    }  # fmt: skip
    for model, record in records.items():
        result, error = intruder.call(model, "write", [record], {"partner_id": account})
        assert error and error[0] in USER_ERRORS, f"{model} {record} moved onto another team's account: {result!r}"


SIGNATURE = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


def test_portal_signature_shows_confidential_preferences(attack_server):
    """Hole: a customer (portal user) who signs a quotation of a key account
    with an unacknowledged critical preference gets the confirmation error
    of ``sale.order._confirmation_error_message``
    (models/sale_order.py), which lists the preferences by name:
    the customer reads the confidential preference ("Secret price floor 42")."""
    base, db, ids, proc = attack_server
    portal = Rpc(base, db, "atk_portal")
    body = portal._post(
        f"/my/orders/{ids['quotation']}/accept",
        {"name": "ATK Buyer", "signature": SIGNATURE, "access_token": ids["token"]},
    )
    text = str(body)
    assert "Secret price floor" not in text, f"the customer reads a confidential preference: {text[:500]}"
