"""A tiny round-robin reverse proxy: one public URL in front of several bot instances."""

from __future__ import annotations

import asyncio
import itertools
import socket
from collections import Counter

import aiohttp
from aiohttp import web


class RoundRobinProxy:
    """Forwards each request to the next backend in turn (as a load balancer would).

    `order` lists the backend of every request, so a test can see that consecutive updates
    of one family went to different instances.
    """

    def __init__(self, backends: list[str]) -> None:
        self.backends = list(backends)
        self._cycle = itertools.cycle(backends)
        self.hits: Counter[str] = Counter()
        self.order: list[str] = []
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0
        # Detached requests: acknowledged at once, forwarded together in the background.
        self._detach_left = 0
        self._detached: list[tuple[str, str, str, dict[str, str], bytes]] = []
        self._released = asyncio.Event()
        self._background: list[asyncio.Task[int]] = []

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        with socket.socket() as probe:  # a free port, so the public URL is known up front
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        for task in self._background:
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def detach(self, count: int) -> None:
        """Deliver the next `count` requests in parallel, each to the next backend.

        Telegram sends a chat's webhook updates one at a time, but a family's double tap can
        still reach two instances at once (a retry after a timeout, a proxy that buffers).
        The proxy answers each of these requests 200 at once, so the sender goes on with the
        next, holds them until all `count` have arrived, then forwards them together.
        `detached_results()` waits for the backends' answers.
        """
        self._detach_left = count
        self._detached = []
        self._released = asyncio.Event()
        self._background = []

    async def detached_results(self, timeout: float = 60.0) -> list[int]:
        """The backends' HTTP statuses for the detached requests, once all have answered."""
        await asyncio.wait_for(self._released.wait(), timeout)
        return list(await asyncio.wait_for(asyncio.gather(*self._background), timeout))

    async def _send(
        self, backend: str, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> web.Response:
        assert self._session is not None
        try:
            async with self._session.request(
                method, backend + path, data=body, headers=headers
            ) as response:
                return web.Response(status=response.status, body=await response.read())
        except aiohttp.ClientError:
            return web.Response(status=502, text="backend down")

    async def _forward(self, request: web.Request) -> web.Response:
        backend = next(self._cycle)
        self.hits[backend] += 1
        self.order.append(backend)
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        call = (backend, request.method, request.path_qs, headers, body)
        if self._detach_left > 0:
            self._detach_left -= 1
            self._detached.append(call)
            if self._detach_left == 0:
                for held in self._detached:
                    self._background.append(asyncio.create_task(self._status(*held)))
                self._released.set()
            return web.Response(text="ok")
        return await self._send(*call)

    async def _status(
        self, backend: str, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> int:
        return (await self._send(backend, method, path, headers, body)).status
