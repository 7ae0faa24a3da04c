from .env import env_bool, env_int, env_list

# Who may be invited: email domains (empty: any); admins add more in the admin.
BUZZ_INVITE_DOMAINS = [d.lower() for d in env_list("BUZZ_INVITE_DOMAINS", [])]
BUZZ_INVITE_GUESTS_ALLOWED = env_bool("BUZZ_INVITE_GUESTS_ALLOWED", False)
BUZZ_INVITES_PER_MONTH = env_int("BUZZ_INVITES_PER_MONTH", 20)
BUZZ_INVITE_VALID_DAYS = env_int("BUZZ_INVITE_VALID_DAYS", 14)
BUZZ_INVITE_RESEND_MINUTES = env_int("BUZZ_INVITE_RESEND_MINUTES", 60)
