"""Pages that belong to no feature: home, staff home, health check, privacy, accessibility."""
