"""What the RPC tests (test_rpc_*.py) share: the start of their setup script,
run in ``odoo-bin shell`` on a copy of the test database before the server
starts (see the ``rpc_server`` fixture of conftest.py), and the reading of the
server's log.

A test module writes only what its setup makes, with these helpers::

    SETUP = '''
    owner = user("rpc_owner", "key_account_management.group_kam_user")
    account = key_account("RPC Account", owner)
    commit_and_emit({"account": account.id})
    '''

    @pytest.fixture
    def server(rpc_server):
        return rpc_server("kam_rpc", setup_script(SETUP), "pytest-rpc-x")
"""

from rpc_client import PASSWORD

#: Defined in the shell before a test's setup: ``user``, ``key_account``,
#: ``contact``, ``portal_user``, ``sale_order`` and ``commit_and_emit``
#: (``env`` and ``emit`` come from the ``odoo_shell`` fixture).
PRELUDE = """
from odoo import Command
from odoo.tests import new_test_user

Partner = env["res.partner"]


def user(login, groups, **kw):
    \"\"\"An internal (or portal) user whose login, name and password the tests know.\"\"\"
    return new_test_user(env, login, groups=groups, password=%(password)r, name=login, tz="UTC", **kw)


def key_account(name, manager, model=None, **vals):
    \"\"\"A key-account company managed by ``manager``, created by ``model``
    (default res.partner; an empty recordset is false, hence ``is None``).\"\"\"
    return (Partner if model is None else model).create(
        {"name": name, "is_company": True, "kam_is_key_account": True, "kam_manager_id": manager.id, **vals}
    )


def contact(account, name, **vals):
    \"\"\"A contact person of ``account``.\"\"\"
    return Partner.create({"name": name, "parent_id": account.id, **vals})


def portal_user(login, account):
    \"\"\"A portal user whose partner is a contact of ``account``.\"\"\"
    portal = user(login, "base.group_portal")
    portal.partner_id.parent_id = account
    return portal


def sale_order(partner, product, qty=1, confirm=True, company=None, **vals):
    \"\"\"An order of one line of ``product`` for ``partner``, confirmed unless
    ``confirm`` is false; of ``company`` when given.\"\"\"
    Order = env["sale.order"]
    if company:
        Order = Order.with_company(company)
        vals = {"company_id": company.id, **vals}
    order = Order.create(
        {
            "partner_id": partner.id,
            **vals,
            "order_line": [Command.create({"product_id": product.id, "product_uom_qty": qty})],
        }
    )
    if confirm:
        order.action_confirm()
    return order


def commit_and_emit(values):
    \"\"\"Commit the setup and hand ``values`` to the test.\"\"\"
    env.cr.commit()
    emit(values)

"""


def setup_script(body):
    """The shell script of a test's setup: the helpers above, then ``body``
    (plain Python, no %-formatting)."""
    return PRELUDE % {"password": PASSWORD} + body


def server_log(proc):
    """The whole log of a server started by the ``rpc_server`` fixture."""
    with open(proc.log_path, encoding="utf-8") as log:
        return log.read()


def server_errors(proc, odoo_log_errors):
    """The ERROR / CRITICAL records of that log."""
    return odoo_log_errors(server_log(proc))
