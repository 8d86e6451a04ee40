"""The languages an interview or a question can be in: chosen from this list everywhere (the
dashboard's selects, the API's enum, the models' choices), never typed."""

LANGUAGES = [
    ("en", "English"),
    ("de", "German"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("it", "Italian"),
    ("nl", "Dutch"),
    ("pt", "Portuguese"),
    ("pl", "Polish"),
    ("sv", "Swedish"),
    ("da", "Danish"),
    ("fi", "Finnish"),
    ("no", "Norwegian"),
    ("cs", "Czech"),
    ("ro", "Romanian"),
    ("tr", "Turkish"),
    ("el", "Greek"),
    ("hu", "Hungarian"),
    ("uk", "Ukrainian"),
    ("ru", "Russian"),
    ("ar", "Arabic"),
    ("hi", "Hindi"),
    ("id", "Indonesian"),
    ("ja", "Japanese"),
    ("ko", "Korean"),
    ("zh", "Chinese"),
    ("vi", "Vietnamese"),
    ("th", "Thai"),
]
LANGUAGE_CODES = frozenset(code for code, _name in LANGUAGES)
LANGUAGE_NAMES = dict(LANGUAGES)
