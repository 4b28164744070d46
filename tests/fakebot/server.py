"""FakeTelegramServer: an aiohttp Bot API endpoint on 127.0.0.1 plus the test-facing API.

Request path: token check -> method lookup -> (rtt/2) -> parse -> fault? -> rate limit ->
handler -> (rtt/2). Handlers are synchronous and O(1) (getUpdates is O(limit)); nothing is
logged per request above DEBUG, so benchmarks measure the bot, not the fake.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from bisect import bisect_left
from types import TracebackType
from typing import Any

from aiohttp import web

from .driver import FakeChat, FakeUser
from .errors import ApiError, too_many_requests
from .faults import Fault, FaultConfig, FaultInjector
from .limits import RateLimiter
from .methods import METHODS, MethodSpec, scope_key
from .models import JSON, BotMessage, CallbackAnswer, ServerStats, UpdateRecord
from .params import Params, parse_params
from .state import ServerState

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:TEST-token"
MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # Telegram's bot upload limit is 50 MB
_WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


def _json_response(status: int, body: Any) -> web.Response:
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return web.Response(status=status, body=data, content_type="application/json")


_UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}
_NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}
_5XX_DESCRIPTIONS = {500: "Internal Server Error", 502: "Bad Gateway"}


class FakeTelegramServer:
    """A fake Bot API. Knobs (``rtt_ms``, ``rate_limit``, ``per_chat_limit``, ``faults``)
    may be changed between test phases."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        rtt_ms: float = 0,
        rate_limit: int = 0,
        per_chat_limit: bool = False,
        faults: FaultConfig | None = None,
        host: str = "127.0.0.1",
        webhook_max_attempts: int = 5,
        webhook_retry_delay: float = 0.05,
    ) -> None:
        self.stats = ServerStats()
        self.state = ServerState(token, self.stats)
        self.state.webhook.max_attempts = webhook_max_attempts
        self.state.webhook.retry_delay = webhook_retry_delay
        self.rtt_ms = rtt_ms
        self._limiter = RateLimiter(rate_limit, per_chat_limit)
        self._faults = FaultInjector(faults)
        self._host = host
        self._port: int | None = None
        self._runner: web.AppRunner | None = None
        self._users: dict[int, FakeUser] = {}
        self._observers: dict[int, FakeChat] = {}  # one FakeChat (one expect cursor) per chat
        self._in_flight = 0  # Bot API requests being served, long polls excluded
        self._last_activity = 0.0

    # -- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # access_log=None: no per-request INFO logging. handler_cancellation: a client that
        # hangs up (PTB cancelling its long poll, a read timeout) cancels the handler.
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await runner.setup()
        site = web.TCPSite(runner, self._host, 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        log.debug("fake Telegram server on %s", self.base_url)

    async def stop(self) -> None:
        self.state.updates.close()
        await self.state.webhook.aclose()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegramServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- addresses and knobs ----------------------------------------------------------------------

    @property
    def token(self) -> str:
        return self.state.token

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("server not started")
        return self._port

    @property
    def root_url(self) -> str:
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For PTB's ``base_url`` (PTB appends the token)."""
        return f"{self.root_url}/bot"

    @property
    def file_url(self) -> str:
        """For PTB's ``base_file_url``."""
        return f"{self.root_url}/file/bot"

    @property
    def rate_limit(self) -> int:
        return self._limiter.per_second

    @rate_limit.setter
    def rate_limit(self, value: int) -> None:
        self._limiter = RateLimiter(value, self._limiter.per_chat)

    @property
    def per_chat_limit(self) -> bool:
        return self._limiter.per_chat

    @per_chat_limit.setter
    def per_chat_limit(self, value: bool) -> None:
        self._limiter = RateLimiter(self._limiter.per_second, value)

    @property
    def faults(self) -> FaultConfig:
        return self._faults.config

    @faults.setter
    def faults(self, config: FaultConfig | None) -> None:
        self._faults = FaultInjector(config)  # restarts the seeded sequence

    def fail_next(self, kind: str, *, method: str | None = None, count: int = 1) -> None:
        """Force the next ``count`` faultable requests (or ``method`` calls) to fail."""
        self._faults.force(kind, method=method, count=count)

    # -- HTTP -------------------------------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        info = request.match_info
        if info["token"] != self.state.token:
            self.stats.statuses[401] += 1
            return _json_response(401, _UNAUTHORIZED)
        spec = METHODS.get(info["method"].lower())
        if spec is None:
            self.stats.statuses[404] += 1
            return _json_response(404, _NOT_FOUND)
        self.stats.methods[spec.name] += 1
        if spec.handler is None:  # getUpdates: a waiting long poll is not "in flight"
            return await self._serve(request, spec)
        self._in_flight += 1
        self._last_activity = time.monotonic()
        try:
            return await self._serve(request, spec)
        finally:
            self._in_flight -= 1
            self._last_activity = time.monotonic()

    async def _serve(self, request: web.Request, spec: MethodSpec) -> web.StreamResponse:
        half_rtt = self.rtt_ms / 2000.0
        if half_rtt > 0:
            await asyncio.sleep(half_rtt)
        try:
            params = await parse_params(request)
        except ApiError as exc:
            return self._error(exc)
        fault = self._faults.draw(spec.name)
        if fault is not None:
            self.stats.faults[fault.kind] += 1
            failed = self._failed_answer(fault, request)
            if failed is not None:
                return failed
            if fault.kind == "slow":
                await asyncio.sleep(self._faults.config.slow_ms / 1000.0)
        response = await self._execute(spec, params)
        if fault is not None and fault.kind == "timeout":
            # Processed (delivered) but the answer arrives after the client gave up.
            await asyncio.sleep(self._faults.config.timeout_s)
        if half_rtt > 0:
            await asyncio.sleep(half_rtt)
        return response

    def _failed_answer(self, fault: Fault, request: web.Request) -> web.StreamResponse | None:
        """The answer for faults that prevent processing; None for slow/timeout."""
        if fault.kind == "5xx":
            self.stats.statuses[fault.status] += 1
            return _json_response(
                fault.status,
                {
                    "ok": False,
                    "error_code": fault.status,
                    "description": _5XX_DESCRIPTIONS[fault.status],
                },
            )
        if fault.kind == "429":
            return self._error(too_many_requests(self._faults.config.retry_after))
        if fault.kind == "drop":
            if request.transport is not None:
                request.transport.abort()
            # aiohttp ignores writes to an aborted transport (debug-logged only).
            return web.Response(status=500)
        return None

    async def _execute(self, spec: MethodSpec, params: Params) -> web.Response:
        try:
            if spec.handler is None:
                result: Any = await self._get_updates(params)
            elif spec.counted and self._limiter.enabled:
                chat_key = params.chat_id()
                now = time.monotonic()
                self._limiter.check(chat_key, now)
                result = spec.handler(self.state, params)
                self._limiter.record(chat_key, now)
            else:
                result = spec.handler(self.state, params)
        except ApiError as exc:
            return self._error(exc)
        return _json_response(200, {"ok": True, "result": result})

    async def _get_updates(self, params: Params) -> list[JSON]:
        if self.state.webhook.active:
            raise ApiError(409, _WEBHOOK_CONFLICT)
        return await self.state.updates.get_updates(
            offset=params.get_int("offset") or 0,
            limit=params.get_int("limit") or 100,
            timeout=params.get_float("timeout") or 0.0,
        )

    def _error(self, exc: ApiError) -> web.Response:
        self.stats.statuses[exc.code] += 1
        if exc.code == 429:
            self.stats.count_429 += 1
        return _json_response(exc.code, exc.to_json())

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        info = request.match_info
        if info["token"] != self.state.token:
            return _json_response(401, _UNAUTHORIZED)
        stored = self.state.files_by_path.get(info["path"])
        if stored is None:
            return _json_response(404, _NOT_FOUND)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    # -- actors -----------------------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        phone: str | None = None,
    ) -> FakeUser:
        """A user with a private chat (chat id == user id). Same id -> same FakeUser."""
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        user_json: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        chat_json: JSON = {"id": user_id, "type": "private", "first_name": first_name}
        for key, value in (("last_name", last_name), ("username", username)):
            if value is not None:
                user_json[key] = value
                chat_json[key] = value
        if language_code is not None:
            user_json["language_code"] = language_code
        chat = self.state.register_chat(user_id, "private", chat_json, user=user_json)
        fake = FakeUser(self.state, chat, user_json, phone or f"+996700{user_id % 10**6:06d}")
        self._users[user_id] = fake
        return fake

    def group(
        self, chat_id: int, title: str = "Test group", *, chat_type: str = "group"
    ) -> FakeChat:
        """Register a group/supergroup/channel the bot may write to (e.g. an admin chat)."""
        chat_json: JSON = {"id": chat_id, "type": chat_type, "title": title}
        self.state.register_chat(chat_id, chat_type, chat_json)
        return self.chat(chat_id)

    def chat(self, chat_id: int) -> FakeChat:
        """Observer for any registered chat (the FakeUser for private chats)."""
        if chat_id in self._users:
            return self._users[chat_id]
        observer = self._observers.get(chat_id)
        if observer is None:
            observer = FakeChat(self.state, self.state.resolve_chat(chat_id))
            self._observers[chat_id] = observer
        return observer

    def block(self, user_id: int, *, notify: bool = False) -> None:
        self.user(user_id).block(notify=notify)

    def unblock(self, user_id: int, *, notify: bool = False) -> None:
        self.user(user_id).unblock(notify=notify)

    def push_update(self, kind: str, body: JSON, chat_id: int | None = None) -> UpdateRecord:
        """Queue any raw update the driver does not model (``{"update_id", kind: body}``)."""
        return self.state.updates.push(kind, body, chat_id)

    # -- inspection -------------------------------------------------------------------------------

    def commands(self, language_code: str = "", scope: JSON | None = None) -> list[JSON]:
        """What setMyCommands stored for (scope, language_code); [] if nothing."""
        return list(self.state.commands.get((scope_key(scope), language_code), []))

    def description(self, kind: str = "description", language_code: str = "") -> str | None:
        """Stored setMyDescription/setMyShortDescription/setMyName text."""
        return self.state.descriptions.get((kind, language_code))

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        return list(self.state.callback_answers)

    @property
    def updates(self) -> list[UpdateRecord]:
        """Every update ever queued, in order, with available/delivered/confirmed times."""
        return self.state.updates.log

    @property
    def pending_updates(self) -> int:
        return self.state.updates.pending_count + self.state.webhook.pending_count

    @property
    def webhook_url(self) -> str:
        return self.state.webhook.url

    @property
    def count_429(self) -> int:
        return self.stats.count_429

    @property
    def received_by_chat(self) -> dict[int, int]:
        return self.stats.received_by_chat

    def messages_in(self, chat_id: int) -> list[BotMessage]:
        """Every message the bot delivered to ``chat_id`` (for duplicate checks)."""
        chat = self.state.chats.get(chat_id)
        return list(chat.bot_messages) if chat else []

    def delivery_mismatches(
        self, expected: int = 1, chat_ids: list[int] | None = None
    ) -> dict[int, int]:
        """{chat_id: received} for chats that did not get exactly ``expected`` messages.

        Defaults to every registered chat; an empty dict means no loss and no duplicates.
        """
        ids = chat_ids if chat_ids is not None else list(self.state.chats)
        received = self.stats.received_by_chat
        return {cid: received.get(cid, 0) for cid in ids if received.get(cid, 0) != expected}

    def file_bytes(self, file_id: str) -> bytes:
        return self.state.get_file(file_id).data

    def first_reply_at(self, update: UpdateRecord) -> float | None:
        """``sent_at`` of the first bot message in the update's chat at/after it was queued."""
        chat = self.state.chats.get(update.chat_id) if update.chat_id is not None else None
        if chat is None:
            return None
        index = bisect_left(chat.sent_times, update.available_at)
        return chat.sent_times[index] if index < len(chat.sent_times) else None

    def reply_latencies(self) -> list[float]:
        """Seconds from "update available" to the first bot reply in that chat after it,
        for every update that has one (in update order)."""
        latencies = []
        for update in self.state.updates.log:
            replied = self.first_reply_at(update)
            if replied is not None:
                latencies.append(replied - update.available_at)
        return latencies

    def reset_stats(self) -> None:
        self.stats.reset()

    async def wait_idle(self, timeout: float = 5.0, settle: float = 0.05) -> None:
        """Wait until every queued update was confirmed (or webhook-acknowledged), no Bot API
        request is in flight, and that stayed true for ``settle`` seconds.

        The settle period matters with PTB: it confirms updates on its *next* getUpdates,
        before its handlers have necessarily issued their first request.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        queue, hook = self.state.updates, self.state.webhook
        while True:
            now = time.monotonic()
            busy = queue.pending_count or hook.pending_count or self._in_flight
            quiet_since = max(self._last_activity, queue.last_confirmed_at)
            if not busy and now - quiet_since >= settle:
                return
            if loop.time() >= deadline:
                raise AssertionError(
                    f"server not idle after {timeout:g}s: pending updates="
                    f"{queue.pending_count}, webhook pending={hook.pending_count}, "
                    f"requests in flight={self._in_flight}"
                )
            await asyncio.sleep(0.005)
