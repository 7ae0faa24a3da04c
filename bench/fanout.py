"""Live fan-out: one event to every socket of a Buzz group, through Redis.

For groups of 20, 200 and 1,000 online sockets (channels in one channel-layer
group), measures the time from group_send to the *last* recipient, and counts
the Redis commands one group_send costs (INFO commandstats), for
RedisChannelLayer and RedisPubSubChannelLayer. The raw baseline, measured in
the same run, is one PUBLISH -> SUBSCRIBE round trip with redis-py.

    python -m bench.fanout [--redis redis://127.0.0.1:6379/15] [--rounds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

from redis import asyncio as aioredis

SIZES = (20, 200, 1000)


def quantiles(samples: list[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(samples, n=100, method="inclusive")
    return statistics.median(samples), q[94], q[98]


async def command_count(client) -> int:
    stats = await client.info("commandstats")
    return sum(value["calls"] for value in stats.values())


async def raw_round_trip(url: str, rounds: int) -> list[float]:
    publisher = aioredis.from_url(url)
    subscriber = aioredis.from_url(url)
    pubsub = subscriber.pubsub()
    channel = f"bench-raw-{uuid.uuid4().hex}"
    await pubsub.subscribe(channel)
    await pubsub.get_message(timeout=1)  # the subscribe confirmation
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        await publisher.publish(channel, b"x")
        while (await pubsub.get_message(timeout=1)) is None:
            pass
        samples.append((time.perf_counter() - start) * 1000)
    await pubsub.aclose()
    await publisher.aclose()
    await subscriber.aclose()
    return samples


async def layer_fanout(layer, url: str, size: int, rounds: int) -> tuple[list[float], float]:
    group = f"bench.{uuid.uuid4().hex[:8]}"
    channels = [await layer.new_channel() for _ in range(size)]
    for channel in channels:
        await layer.group_add(group, channel)
    counter = aioredis.from_url(url)
    samples, commands = [], []
    for _ in range(rounds):
        receivers = [asyncio.ensure_future(layer.receive(channel)) for channel in channels]
        await asyncio.sleep(0.05)  # every receiver is waiting, as open sockets are
        before = await command_count(counter)
        start = time.perf_counter()
        await layer.group_send(group, {"type": "live.event", "event": {"id": 1}})
        sent = await command_count(counter)
        await asyncio.gather(*receivers)
        samples.append((time.perf_counter() - start) * 1000)
        commands.append(sent - before - 1)  # minus the INFO call itself
    for channel in channels:
        await layer.group_discard(group, channel)
    await counter.aclose()
    return samples, statistics.median(commands)


def make_layer(kind: str, url: str):
    from channels_redis.core import RedisChannelLayer
    from channels_redis.pubsub import RedisPubSubChannelLayer

    host = {"address": url, "socket_timeout": None}
    prefix = f"benchfan{uuid.uuid4().hex[:6]}"
    if kind == "RedisChannelLayer":
        return RedisChannelLayer(hosts=[host], prefix=prefix, capacity=5000)
    return RedisPubSubChannelLayer(hosts=[host], prefix=prefix)


async def run(url: str, rounds: int) -> list[str]:
    raw = await raw_round_trip(url, rounds * 3)
    raw_p50 = statistics.median(raw)
    rows = [
        f"| raw PUBLISH -> SUBSCRIBE | 1 | {raw_p50:.2f} | {quantiles(raw)[1]:.2f} | "
        f"{quantiles(raw)[2]:.2f} | 1.0x | 1 |"
    ]
    for kind in ("RedisChannelLayer", "RedisPubSubChannelLayer"):
        for size in SIZES:
            layer = make_layer(kind, url)
            samples, commands = await layer_fanout(layer, url, size, rounds)
            await layer.flush() if hasattr(layer, "flush") else None
            p50, p95, p99 = quantiles(samples)
            rows.append(
                f"| {kind} group_send | {size} | {p50:.2f} | {p95:.2f} | {p99:.2f} | "
                f"{p50 / raw_p50:.1f}x | {commands:.0f} |"
            )
            if hasattr(layer, "close_pools"):
                await layer.close_pools()
    return rows


def report(url: str, rounds: int) -> str:
    rows = asyncio.run(run(url, rounds))
    return "\n".join(
        [
            "Live fan-out through Redis: time from group_send until the last of N waiting",
            "channels has the event, and Redis commands per group_send (median), against",
            "one raw PUBLISH -> SUBSCRIBE round trip measured in the same run",
            f"({rounds} rounds per size, in one process: `python -m bench.fanout`).",
            "",
            "| path | recipients | p50 ms to last | p95 ms | p99 ms | p50 / raw | Redis commands |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
            *rows,
            "",
        ]
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    print(report(args.redis, args.rounds))
