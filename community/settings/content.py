from .env import env_int

# "Kubernetes", "kubernetes" and #kubernetes are one tag.
TAGGIT_CASE_INSENSITIVE = True

# Member content limits.
BUZZ_POST_MAX_CHARS = env_int("BUZZ_POST_MAX_CHARS", 10_000)

# Attachments on posts: judged by content; images re-encoded without metadata.
BUZZ_ATTACHMENT_MAX_BYTES = env_int("BUZZ_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
BUZZ_ATTACHMENT_MAX_PIXELS = env_int("BUZZ_ATTACHMENT_MAX_PIXELS", 40_000_000)
BUZZ_ATTACHMENTS_PER_POST = env_int("BUZZ_ATTACHMENTS_PER_POST", 10)
