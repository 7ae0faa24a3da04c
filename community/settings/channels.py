from django.core.exceptions import ImproperlyConfigured

from .base import REDIS_URL
from .env import env_str

# BUZZ_CHANNEL_LAYER picks the Redis channel layer (only used when REDIS_URL is set):
#   pubsub  channels_redis.pubsub.RedisPubSubChannelLayer (default): one PUBLISH per
#           group_send, fanned out to the process's sockets in memory; nothing kept
#           if no one listens (clients catch up from the database on reconnect).
#   core    channels_redis.core.RedisChannelLayer: one Redis list per process,
#           messages kept up to `expiry` s while a process is briefly away.
# docs/benchmarks.md (B2) and docs/realtime-events.md have the measured comparison
# behind the default: at 1,000 members the core layer needs a Redis round trip per
# socket and was 5-20x slower to the last recipient.
# BUZZ_CHANNEL_PREFIX names the layer's keys and pub/sub channels; Redis pub/sub
# channels are shared by every database number, so two stacks on one Redis server
# need different prefixes.
CHANNEL_LAYER_BACKENDS = {
    "core": "channels_redis.core.RedisChannelLayer",
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}


DEFAULT_CHANNEL_LAYER = "pubsub"


def channel_layer_config(
    redis_url: str, kind: str = DEFAULT_CHANNEL_LAYER, prefix: str = "buzz"
) -> dict:
    """The CHANNEL_LAYERS["default"] entry for a Redis layer of this kind."""
    if kind not in CHANNEL_LAYER_BACKENDS:
        raise ImproperlyConfigured(
            f"BUZZ_CHANNEL_LAYER={kind!r}; choose one of {', '.join(CHANNEL_LAYER_BACKENDS)}."
        )
    # redis-py 8 defaults socket_timeout to 5 s, while the layer blocks up to 5 s
    # waiting for messages: idle sockets would die (STACK-NOTES trap 1).
    config: dict = {"hosts": [{"address": redis_url, "socket_timeout": None}], "prefix": prefix}
    if kind == "core":
        config |= {"capacity": 1000, "expiry": 60}
    return {"BACKEND": CHANNEL_LAYER_BACKENDS[kind], "CONFIG": config}


if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": channel_layer_config(
            REDIS_URL,
            env_str("BUZZ_CHANNEL_LAYER", DEFAULT_CHANNEL_LAYER).lower(),
            env_str("BUZZ_CHANNEL_PREFIX") or "buzz",
        )
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
