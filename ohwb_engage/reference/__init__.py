"""Reference lists every feature shares: stakeholder groups (admin-editable) and regions."""
