from .env import env_str
from .search import ELASTICSEARCH_INDEX_PREFIX, ELASTICSEARCH_TIMEOUT, ELASTICSEARCH_URL

WAGTAIL_SITE_NAME = env_str("BUZZ_ORGANISATION_NAME", "Buzz")
WAGTAILADMIN_BASE_URL = env_str("BUZZ_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
# Wagtail's own page search (the admin, hub pages) follows the app's engine choice.
WAGTAILSEARCH_BACKENDS = {
    "default": (
        {
            "BACKEND": "wagtail.search.backends.elasticsearch8",
            "URLS": [ELASTICSEARCH_URL],
            "INDEX_PREFIX": f"{ELASTICSEARCH_INDEX_PREFIX}-wagtail-",
            "TIMEOUT": ELASTICSEARCH_TIMEOUT,
        }
        if ELASTICSEARCH_URL
        else {"BACKEND": "wagtail.search.backends.database"}
    )
}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
