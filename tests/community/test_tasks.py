"""Background work: django.tasks with the ORM backend of django-tasks-db and its worker."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.tasks import task
from django.test import override_settings

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
done: list[str] = []


@task
def remember(word: str) -> str:
    done.append(word)
    return word.upper()


@pytest.fixture(autouse=True)
def _clean():
    done.clear()


def test_immediate_backend_runs_a_task_at_once():
    result = remember.enqueue("now")
    assert done == ["now"]
    assert result.return_value == "NOW"


# The worker closes database connections between tasks, as in production, so the
# test cannot sit inside one rolled-back transaction.
@pytest.mark.django_db(transaction=True)
def test_database_backend_queues_until_the_worker_runs_it(client):
    with override_settings(TASKS=DATABASE_TASKS):
        result = remember.enqueue("later")
        assert done == []
        assert client.get("/healthz").json()["components"]["tasks"]["queued"] == 1
        call_command("db_worker", "--batch", "--no-startup-delay", stdout=StringIO())
        assert done == ["later"]
        result.refresh()
        assert result.status == "SUCCESSFUL"
        assert result.return_value == "LATER"
        assert client.get("/healthz").json()["components"]["tasks"]["queued"] == 0
