from .env import env_str

WAGTAIL_SITE_NAME = env_str("BUZZ_ORGANISATION_NAME", "Buzz")
WAGTAILADMIN_BASE_URL = env_str("BUZZ_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
