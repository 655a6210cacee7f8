"""What an effect is worth: projections of estimates to a customer base."""

from truelift.impact.projection import Projection, project_linear

__all__ = ["Projection", "project_linear"]
