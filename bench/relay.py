"""Employee → client relay through `python bot.py` and the emulator (its flood limits off).

Prints: text relay throughput (target ≥ 300 msg/s), latency p50/p99 at a steady 25 msg/s with and
without the durable inbox (target p99 < 50 ms), and photo relay throughput (photo → saved → client).

    python bench/relay.py [--pairs 50] [--burst 3000] [--seconds 20] [--photos 300]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time

from world import Arrivals, World, percentile, run


async def throughput(world: World, total: int) -> float:
    arrivals = Arrivals(world)
    started = time.monotonic()
    for seq in range(total):
        pair = world.pairs[seq % len(world.pairs)]
        await pair.employee.send_text(f"Проверка #m{seq}")
    await arrivals.wait(total, timeout=300)
    return total / (time.monotonic() - started)


async def latency(world: World, seconds: float, rate: float, first_seq: int) -> list[float]:
    """Sequence numbers continue after the burst, so earlier arrivals are counted in the wait."""
    sent_at: dict[int, float] = {}
    seq = first_seq
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        pair = world.pairs[seq % len(world.pairs)]
        sent_at[seq] = time.monotonic()
        await pair.employee.send_text(f"Проверка #m{seq}")
        seq += 1
        await asyncio.sleep(max(0.0, started + (seq - first_seq) / rate - time.monotonic()))
    arrivals = Arrivals(world)
    await arrivals.wait(first_seq + len(sent_at), timeout=60)
    return [(arrivals.at[s] - sent_at[s]) * 1000 for s in sent_at]


async def photo_throughput(world: World, total: int) -> float:
    before = len(world.client_calls("sendPhoto"))
    started = time.monotonic()
    for seq in range(total):
        pair = world.pairs[seq % len(world.pairs)]
        await pair.employee.send_photo(b"\xff\xd8\xff\xe0" + seq.to_bytes(4, "big") * 2048, caption=f"ф{seq}")
    await world.emu.wait_until(lambda: len(world.client_calls("sendPhoto")) - before >= total, timeout=300)
    return total / (time.monotonic() - started)


def report_latency(label: str, values: list[float]) -> None:
    p50, p99 = percentile(values, 0.5), percentile(values, 0.99)
    print(f"relay latency at 25 msg/s, {label}: p50 {p50:.1f} ms, p99 {p99:.1f} ms "
          f"({len(values)} messages; target p99 < 50 ms)")  # fmt: skip


async def main(args: argparse.Namespace) -> None:
    async with World(args.pairs) as world:
        rate = await throughput(world, args.burst)
        print(f"text relay throughput: {rate:.0f} msg/s ({args.burst} messages, {args.pairs} pairs; "
              f"target >= 300)")  # fmt: skip
        report_latency("durable inbox on", await latency(world, args.seconds, 25, args.burst))
        photos = await photo_throughput(world, args.photos)
        print(f"photo relay throughput: {photos:.1f} photos/s ({args.photos} photos saved and delivered)")
    del world  # the first emulator's records (thousands of calls, photo bytes) must not weigh on the next
    gc.collect()
    async with World(args.pairs, extra_env={"DURABLE_INBOX": "false"}) as world:
        report_latency("durable inbox off", await latency(world, args.seconds, 25, 0))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--burst", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--photos", type=int, default=300)
    run(main(parser.parse_args()))
