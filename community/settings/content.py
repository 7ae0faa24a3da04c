from .env import env_int

# "Kubernetes", "kubernetes" and #kubernetes are one tag.
TAGGIT_CASE_INSENSITIVE = True

# Member content limits.
BUZZ_POST_MAX_CHARS = env_int("BUZZ_POST_MAX_CHARS", 10_000)
