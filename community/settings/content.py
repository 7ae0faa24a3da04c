from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_str

# "Kubernetes", "kubernetes" and #kubernetes are one tag.
TAGGIT_CASE_INSENSITIVE = True

# Member content limits.
BUZZ_POST_MAX_CHARS = env_int("BUZZ_POST_MAX_CHARS", 10_000)

# Attachments on posts: judged by content; images re-encoded without metadata.
BUZZ_ATTACHMENT_MAX_BYTES = env_int("BUZZ_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
BUZZ_ATTACHMENT_MAX_PIXELS = env_int("BUZZ_ATTACHMENT_MAX_PIXELS", 40_000_000)
BUZZ_ATTACHMENTS_PER_POST = env_int("BUZZ_ATTACHMENTS_PER_POST", 10)

# Profile photos and what happens to a deleted member's posts.
BUZZ_PHOTO_MAX_BYTES = env_int("BUZZ_PHOTO_MAX_BYTES", 10 * 1024 * 1024)
# Checked before decoding: a small file may claim huge dimensions (a decompression bomb).
BUZZ_PHOTO_MAX_PIXELS = env_int("BUZZ_PHOTO_MAX_PIXELS", 40_000_000)
BUZZ_DELETED_MEMBER_POSTS = env_str("BUZZ_DELETED_MEMBER_POSTS", "anonymise").lower()
if BUZZ_DELETED_MEMBER_POSTS not in {"anonymise", "remove"}:
    raise ImproperlyConfigured(
        f"BUZZ_DELETED_MEMBER_POSTS={BUZZ_DELETED_MEMBER_POSTS!r}: use anonymise or remove."
    )

# Notification budget: beyond this many new notifications an hour, the rest are
# listed quietly and wait for the digest (no push, no email).
BUZZ_NOTIFICATIONS_PER_HOUR = env_int("BUZZ_NOTIFICATIONS_PER_HOUR", 20)

# Hub submissions: members of the "Social creators" group may submit stories;
# with this on, every member may.
BUZZ_HUB_SUBMISSIONS_OPEN = env_bool("BUZZ_HUB_SUBMISSIONS_OPEN", False)

# The hub wall (/hub/wall/<token>/) for a screen in a public space: shown without
# a login to whoever has this token in the URL; unset, the wall is off.
BUZZ_KIOSK_TOKEN = env_str("BUZZ_KIOSK_TOKEN", "")

# The monthly MT report goes to these addresses (comma-separated); unset, to
# the active members marked as MT members on their profiles.
BUZZ_MT_REPORT_TO = [
    address.strip() for address in env_str("BUZZ_MT_REPORT_TO", "").split(",") if address.strip()
]
