"""Data with known truth (generators) and loaders for real data that packages ship."""

from truelift.datasets._homepage import (
    FactorialTruth,
    HomepageTruth,
    factorial_test,
    homepage_events,
    homepage_test,
)
from truelift.datasets._impact_ltv import LTVTruth, subscription_test
from truelift.datasets._impact_shop import ShopTruth, shop_test
from truelift.datasets._personalization import Dataset, Truth, personalization
from truelift.datasets._quasi_did import (
    StaggeredTruth,
    TwoByTwoTruth,
    castle,
    organ_donations,
    staggered_panel,
    texas_prisons,
    two_by_two,
)
from truelift.datasets._quasi_geo import GeoData, GeoTruth, geo_panel
from truelift.datasets._quasi_rd_iv import (
    EncouragementTruth,
    RDTruth,
    close_elections,
    encouragement,
    rd_data,
)
from truelift.datasets._quasi_switchback import SwitchbackTruth, switchback_orders
from truelift.datasets._uplift import UpliftTruth, coupon_campaign

__all__ = [
    "Dataset",
    "EncouragementTruth",
    "FactorialTruth",
    "GeoData",
    "GeoTruth",
    "HomepageTruth",
    "LTVTruth",
    "RDTruth",
    "ShopTruth",
    "StaggeredTruth",
    "SwitchbackTruth",
    "Truth",
    "TwoByTwoTruth",
    "UpliftTruth",
    "castle",
    "close_elections",
    "coupon_campaign",
    "encouragement",
    "factorial_test",
    "geo_panel",
    "homepage_events",
    "homepage_test",
    "organ_donations",
    "personalization",
    "rd_data",
    "shop_test",
    "staggered_panel",
    "subscription_test",
    "switchback_orders",
    "texas_prisons",
    "two_by_two",
]
