"""Hardening: password hashing, cookies, the Content Security Policy, rate limits.

HSTS, SSL redirect and the secure-cookie switches live in base.py next to DEBUG;
this module adds what check --deploy does not ask for but a security review does.
"""

from django.utils.csp import CSP

from .base import DEBUG
from .env import env_bool, env_int, env_list, env_str

# Argon2id first: new passwords and every login with an older hash (PBKDF2 from
# before) are stored as Argon2; the others stay listed so old hashes still verify.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# Cookies: the session is never readable from JavaScript; Lax keeps cross-site
# POSTs from carrying it. The CSRF cookie stays readable: the API docs and htmx
# send its value in X-CSRFToken.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", False)

# The hub wall (/hub/wall/<token>/) may be framed by these origins (a signage
# player's page, e.g. "https://signage.example.com"); unset, nothing may frame it.
BUZZ_KIOSK_FRAME_ANCESTORS = env_list("BUZZ_KIOSK_FRAME_ANCESTORS", [])

# Content Security Policy (Django's own middleware). No inline script anywhere:
# every script is a static file; json_script data blocks are not executed.
# Inline style attributes are refused too (style-src without 'unsafe-inline').
# The websocket (/ws/) is same-origin, but 'self' does not cover ws:/wss: in
# every browser, so the scheme is named; the host is still the page's own.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF, "ws:" if DEBUG else "wss:"],
    "media-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    # The hub's share form posts to Buzz, which redirects to the network's share
    # dialog: browsers apply form-action to that redirect too (cms.services).
    "form-action": [
        CSP.SELF,
        "https://www.linkedin.com",
        "https://x.com",
        "https://www.facebook.com",
        "https://wa.me",
        "mailto:",
    ],
    "frame-ancestors": [CSP.NONE],
}
# Wagtail's admin (/cms-admin/) renders inline scripts and style attributes of
# its own; it gets this policy instead (community.security.WagtailAdminCSPMiddleware).
# Only editors reach it, and member content there is sanitised like everywhere.
BUZZ_CSP_WAGTAIL_ADMIN = {
    **SECURE_CSP,
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "frame-src": [CSP.SELF],
    "frame-ancestors": [CSP.SELF],
}
# Report violations somewhere before enforcing a stricter policy, if wanted.
_csp_report_uri = env_str("BUZZ_CSP_REPORT_URI")
if _csp_report_uri:
    SECURE_CSP["report-uri"] = [_csp_report_uri]
del _csp_report_uri

# Rate limits (community.ratelimit). Counters live in the cache (Redis when
# REDIS_URL is set); failed logins are counted in the audit log in the database,
# so the lockout holds when Redis is down.
BUZZ_LOGIN_FAILURES_PER_ACCOUNT_PER_HOUR = env_int("BUZZ_LOGIN_FAILURES_PER_ACCOUNT_PER_HOUR", 100)
BUZZ_LOGIN_FAILURES_PER_IP_PER_HOUR = env_int("BUZZ_LOGIN_FAILURES_PER_IP_PER_HOUR", 300)
BUZZ_RATE_INVITES_PER_HOUR = env_int("BUZZ_RATE_INVITES_PER_HOUR", 30)
BUZZ_RATE_POSTS_PER_MINUTE = env_int("BUZZ_RATE_POSTS_PER_MINUTE", 10)
BUZZ_RATE_COMMENTS_PER_MINUTE = env_int("BUZZ_RATE_COMMENTS_PER_MINUTE", 30)
BUZZ_RATE_API_PER_MINUTE = env_int("BUZZ_RATE_API_PER_MINUTE", 600)
BUZZ_RATE_WS_MESSAGES_PER_SECOND = env_int("BUZZ_RATE_WS_MESSAGES_PER_SECOND", 20)
# Behind a proxy every request comes from the proxy: take the client address
# from X-Real-IP (which the stack's nginx sets) only when this is on.
BUZZ_TRUST_X_REAL_IP = env_bool("BUZZ_TRUST_X_REAL_IP", False)
