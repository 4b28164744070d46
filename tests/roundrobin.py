"""A tiny round-robin reverse proxy: one public URL in front of several bot instances."""

from __future__ import annotations

import itertools
import socket
from collections import Counter

import aiohttp
from aiohttp import web


class RoundRobinProxy:
    """Forwards each request to the next backend in turn (as a load balancer would)."""

    def __init__(self, backends: list[str]) -> None:
        self._cycle = itertools.cycle(backends)
        self.hits: Counter[str] = Counter()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

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
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        backend = next(self._cycle)
        self.hits[backend] += 1
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        try:
            async with self._session.request(
                request.method, backend + request.path_qs, data=body, headers=headers
            ) as response:
                return web.Response(status=response.status, body=await response.read())
        except aiohttp.ClientError:
            return web.Response(status=502, text="backend down")
