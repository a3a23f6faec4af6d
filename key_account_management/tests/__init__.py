from . import (
    test_access,
    test_cadence,
    test_figures,
    test_interaction,
    test_plan,
    test_preference,
    test_responsibility,
    test_review,
    test_tier,
    test_tier_config,
    test_tier_job,
    test_ui,
)
