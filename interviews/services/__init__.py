"""Writes for interviews and questions, one module per area; import from the module itself,
e.g. ``from interviews.services.interviews import interview_question_add``."""
