from . import kam_plan, kam_profit_engine
