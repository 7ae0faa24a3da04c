"""Under daphne (ASGI) Django runs the sync middleware chain and view in a worker
thread; every sync_to_async is a hop between the event loop and that thread.
A sync-only middleware placed above async-capable ones makes those run async,
each of their hooks a hop of its own: the order of MIDDLEWARE keeps them out."""

import pytest
from asgiref import sync
from django.test import AsyncClient

# process_view is always awaited from Django's async handler (CsrfViewMiddleware's
# hop is Django's, whatever the order); the chain's own hooks need not be.
HOOKS = {"process_request", "process_response"}


@pytest.fixture
def hops(monkeypatch):
    counted = []
    original = sync.SyncToAsync.__call__

    def counting(self, *args, **kwargs):
        counted.append(self.func)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counting)
    return counted


@pytest.mark.asyncio
async def test_a_request_under_asgi_makes_no_thread_hop_for_a_middleware(hops, settings):
    client = AsyncClient()
    await client.get("/api/v1/me", secure=True)  # the handler and its chain are built
    hops.clear()
    response = await client.get("/api/v1/me", secure=True)
    assert response.status_code == 401
    names = [getattr(func, "__qualname__", repr(func)) for func in hops]
    assert hops, "the counter counts nothing"
    assert not [name for name in names if name.rsplit(".", 1)[-1] in HOOKS], names
