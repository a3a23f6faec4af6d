from . import kam_plan
