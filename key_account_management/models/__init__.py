# The daily work is one pipeline (kam_pipeline.py). Read it, then its stages
# in their order; each engine is a file named after what it decides:
#   kam_job.py              batches, locks, last runs, bulk reader and writer
#   kam_account_figures.py  every figure the stages read (one order amount)
#   kam_traffic_engine.py   0. e-mails, done calls, meetings logged as interactions
#   kam_tier_engine.py      1. figures stored, tiers decided, history
#   kam_sale_trend.py       2. the monthly purchase trend
#   kam_white_space_engine.py  2b. categories comparable accounts buy and an account does not
#   kam_reorder_engine.py   2c. the rhythm of each product an account buys regularly, late reorders
#   kam_profit_engine.py    1b. profit after cost to serve of each account, discount creep
#   kam_coverage_engine.py  2d. who at each account is in touch with whom, single-threaded accounts
#   kam_health_engine.py    3. risk signals (one rule each), health, snapshots
#   kam_review.py           4. periodic reviews
#   kam_duty_engine.py      5. duty reminders and escalations (responsibility matrix)
#   kam_cadence_engine.py   6-7. contact cadence, then customer care
#   kam_activity.py         the activities every stage raises, once
#   kam_routing.py          who gets them: the owner of the duty a warning or task is routed to
# kam_digest.py (weekly, its own scheduled action): the digest e-mail of each manager.
# res_partner.py, sale_order.py, crm_lead.py, res_company.py and
# res_config_settings.py hold the fields of the core models and thin glue.
from . import (
    base_partner_merge,
    crm_lead,
    kam_account_figures,
    kam_account_mixin,
    kam_activity,
    kam_cadence_engine,
    kam_care_date,
    kam_competitor_note,
    kam_coverage_engine,
    kam_dashboard,
    kam_demo,
    kam_digest,
    kam_duty_engine,
    kam_health_check,
    kam_health_engine,
    kam_health_snapshot,
    kam_input,
    kam_interaction,
    kam_interaction_links,
    kam_job,
    kam_pipeline,
    kam_plan,
    kam_preference,
    kam_profit,
    kam_profit_engine,
    kam_relationship,
    kam_reorder,
    kam_reorder_engine,
    kam_responsibility,
    kam_responsibility_matrix,
    kam_review,
    kam_risk_signal,
    kam_routing,
    kam_sale_trend,
    kam_tier,
    kam_tier_engine,
    kam_tier_history,
    kam_traffic_engine,
    kam_transaction_history,
    kam_white_space,
    kam_white_space_engine,
    mail_activity_plan_template,
    mail_followers,
    mail_message,
    mail_tracking_value,
    res_company,
    res_config_settings,
    res_partner,
    res_users,
    sale_order,
)
