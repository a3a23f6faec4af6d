from . import (
    test_access,
    test_figures,
    test_interaction,
    test_preference,
    test_responsibility,
    test_tier,
    test_tier_config,
    test_tier_job,
    test_ui,
)
