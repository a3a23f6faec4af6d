from . import test_access
from . import test_figures
from . import test_interaction
from . import test_tier
from . import test_tier_config
from . import test_tier_job
from . import test_ui
