from . import kam_responsibility_gap, sale_report
