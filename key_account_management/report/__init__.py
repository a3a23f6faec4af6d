from . import (
    ir_actions_report,
    kam_account_profile,
    kam_responsibility_gap,
    kam_responsibility_performance,
    kam_sale_analysis,
    sale_report,
)
