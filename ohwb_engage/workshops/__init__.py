"""Events (workshops, Breakfast Clubs, engagement sessions, Community of Practice), registration."""
