"""Authentik set up the way the dashboard needs it: the setup check, and the flows it can make.

`check.run()` reports what is wrong and what to change in Authentik (Home, the Authentik setup
page, `python -m app check-authentik`); `provision.plan()` / `provision.apply()` are 'Create
the flows for me' (an enrollment flow for invite links, a recovery flow on the brand), from the
shapes in `blueprint`, judged by `flow_shape`.
"""

from app.services.authentik_setup import check, provision
from app.services.authentik_setup.check import Finding, Level, SetupReport
from app.services.authentik_setup.provision import Change, PlanChanged, SetupPlan, Step

__all__ = [
    "Change",
    "Finding",
    "Level",
    "PlanChanged",
    "SetupPlan",
    "SetupReport",
    "Step",
    "check",
    "provision",
]
