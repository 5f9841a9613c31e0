"""Response-time SLAs: clock maths, policies, business calendars and the service."""
