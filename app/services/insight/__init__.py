"""Insight into the community: the overview's figures, the onboarding funnel and the drift
report between Authentik and Matrix, all computed from one snapshot of the sources
(`snapshot.gather`); the modules below are pure functions of it."""

from app.services.insight import drift, figures, funnel
from app.services.insight.snapshot import Snapshot, gather

__all__ = ["Snapshot", "drift", "figures", "funnel", "gather"]
