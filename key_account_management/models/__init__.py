from . import (
    kam_account_figures,
    kam_account_mixin,
    kam_competitor_note,
    kam_demo,
    kam_interaction,
    kam_interaction_links,
    kam_job,
    kam_preference,
    kam_tier,
    kam_tier_history,
    mail_message,
    res_company,
    res_company_preference,
    res_config_settings,
    res_partner,
    res_partner_interaction,
    res_partner_preference,
    sale_order,
    sale_order_preference,
)
from . import kam_responsibility
from . import res_partner_responsibility
from . import mail_activity_plan_template
from . import kam_activity
from . import kam_care_date
from . import res_partner_cadence
from . import kam_plan
from . import kam_review
