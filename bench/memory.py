"""Resident memory of `python bot.py`: idle, after relaying 1,000 photos, after 2,000 (no growth).

python bench/memory.py [--pairs 20] [--photos 1000]
"""

from __future__ import annotations

import argparse
import time

from world import World, rss_mb, run


async def relay_photos(world: World, first: int, count: int) -> float:
    before = len(world.client_calls("sendPhoto"))
    started = time.monotonic()
    for seq in range(first, first + count):
        pair = world.pairs[seq % len(world.pairs)]
        await pair.employee.send_photo(b"\xff\xd8\xff\xe0" + seq.to_bytes(4, "big") * 4096, caption=f"#{seq}")
    await world.emu.wait_until(lambda: len(world.client_calls("sendPhoto")) - before >= count, timeout=600)
    return time.monotonic() - started


async def main(args: argparse.Namespace) -> None:
    async with World(args.pairs) as world:
        assert world.bot is not None and world.bot.pid is not None
        pid = world.bot.pid
        idle = rss_mb(pid)
        print(f"bot RSS idle: {idle:.0f} MB")
        seconds = await relay_photos(world, 0, args.photos)
        first = rss_mb(pid)
        print(f"bot RSS after {args.photos} photos: {first:.0f} MB ({seconds:.0f} s)")
        seconds = await relay_photos(world, args.photos, args.photos)
        second = rss_mb(pid)
        print(f"bot RSS after {2 * args.photos} photos: {second:.0f} MB ({seconds:.0f} s)")
        print(f"growth over the second {args.photos}: {second - first:+.0f} MB (target: < 200 MB, no growth)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--photos", type=int, default=1000)
    run(main(parser.parse_args()))
