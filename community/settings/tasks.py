from django.core.exceptions import ImproperlyConfigured

from .env import env_str

# "immediate" runs a task inside the request (embedded default, tests);
# "database" queues it in the ORM for `manage.py db_worker` (production).
TASKS_BACKEND = env_str("TASKS_BACKEND", "immediate").lower()
_TASK_BACKENDS = {
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND={TASKS_BACKEND!r}; choose one of {', '.join(_TASK_BACKENDS)}."
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}
