"""Strategy and roadmap drafting from reviewed themes; document exports."""
