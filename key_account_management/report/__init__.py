from . import sale_report
from . import kam_responsibility_gap
