"""Load settings before anything else so bad configuration stops the process
with one clear line instead of a traceback later, deep in a request."""

import os
import sys

EXIT_CONFIG_ERROR = 78  # EX_CONFIG from sysexits.h


def load_settings_or_exit() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "community.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018 (touching it imports the settings)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"Buzz configuration error: {exc}\n")
        sys.exit(EXIT_CONFIG_ERROR)
