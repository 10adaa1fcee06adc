"""Questionnaires (KLOEs, session evaluations, follow-up surveys), responses, imports, exports."""
