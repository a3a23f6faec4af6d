from . import kam_sale_analysis
