"""The request plan: what a run would send to each site, by class and method, with upper
bounds, worked out from the collected suite with nothing sent (``run --plan``); and a run's
requests held to it (``WITHIN_PLAN``)."""
