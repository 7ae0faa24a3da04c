from .base import REDIS_URL

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 defaults socket_timeout to 5 s, while the layer blocks
                # up to 5 s waiting for messages: idle sockets would die (STACK-NOTES trap 1).
                "hosts": [{"address": REDIS_URL, "socket_timeout": None}],
                "prefix": "buzz",
                "capacity": 1000,
                "expiry": 60,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
