from . import test_margin
