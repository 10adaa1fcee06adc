"""Staff accounts: admins, facilitators and analysts. Participants never need one."""
