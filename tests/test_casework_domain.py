"""Casework domain, no Telegram and no database: the state machine, permissions, working days,
reminder rules, queue filters from untrusted data, exports, the chart, message splitting."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from bot.casework import exports, render, stats
from bot.casework.actions import movable, path_to
from bot.casework.permissions import Actor, Denial, check_act, check_view, visible_regions
from bot.casework.queue import parse_filter
from bot.casework.reminder_rules import (
    CLAIM_LEASE,
    MAX_ATTEMPTS,
    ReminderKind,
    claimable,
    due_at,
)
from bot.casework.workdays import (
    Holidays,
    HolidaysError,
    add_working_days,
    default_holidays,
    is_working_day,
    parse_holidays,
    working_days_between,
)
from bot.i18n import BISHKEK, I18n
from bot.lifecycle import (
    FINAL_STATUSES,
    TRANSITIONS,
    WITHDRAWABLE,
    TransitionError,
    allowed_targets,
    check_transition,
)
from bot.lifecycle_text import FAMILY_NOTICE, NEXT_STEP, STATUS_LABELS
from bot.regions import REGION_CODES
from db.enums import Role, Status
from db.models import Application

statuses = st.sampled_from(list(Status))
roles = st.sampled_from(list(Role))
I18N = I18n()


# --- the state machine -----------------------------------------------------------------------


@given(statuses, statuses, roles, st.one_of(st.none(), st.text(max_size=5)))
def test_no_transition_outside_the_table(
    source: Status, target: Status, role: Role, reason: str | None
) -> None:
    allowed = role in TRANSITIONS.get((source, target), frozenset())
    try:
        check_transition(source, target, role, reason)
    except TransitionError:
        needs_reason = (source, target) in {
            (Status.IN_REVIEW, Status.REJECTED),
            (Status.IN_REVIEW, Status.NEEDS_INFO),
        }
        assert not allowed or (needs_reason and not (reason and reason.strip()))
    else:
        assert allowed


@given(statuses, roles)
def test_allowed_targets_match_the_table(source: Status, role: Role) -> None:
    for target in allowed_targets(source, role):
        assert role in TRANSITIONS[(source, target)]


def test_the_documented_path_and_its_roles() -> None:
    path = [
        Status.DRAFT,
        Status.SUBMITTED,
        Status.IN_REVIEW,
        Status.NEEDS_INFO,
        Status.IN_REVIEW,
        Status.APPROVED,
        Status.CONTRACT_SIGNED,
        Status.FUNDED,
        Status.MONITORING,
        Status.COMPLETED,
    ]
    for source, target in itertools.pairwise(path):
        role = Role.APPLICANT if source is Status.DRAFT else Role.CASEWORKER
        check_transition(source, target, role, "why")
    with pytest.raises(TransitionError):  # a family cannot approve itself
        check_transition(Status.IN_REVIEW, Status.APPROVED, Role.APPLICANT)
    with pytest.raises(TransitionError):  # a reason is required
        check_transition(Status.IN_REVIEW, Status.REJECTED, Role.CASEWORKER, "  ")
    for final in FINAL_STATUSES:
        assert not [t for (s, t) in TRANSITIONS if s is final]


@given(statuses)
def test_withdrawal_only_by_the_family_before_a_decision(source: Status) -> None:
    for role in Role:
        ok = (source, Status.WITHDRAWN) in TRANSITIONS and role in TRANSITIONS[
            (source, Status.WITHDRAWN)
        ]
        assert ok == (source in WITHDRAWABLE and role is Role.APPLICANT)


def test_every_status_is_reachable_from_draft() -> None:
    seen, frontier = {Status.DRAFT}, [Status.DRAFT]
    while frontier:
        source = frontier.pop()
        for s, t in TRANSITIONS:
            if s is source and t not in seen:
                seen.add(t)
                frontier.append(t)
    assert seen == set(Status)


@given(statuses, statuses, roles)
def test_a_decision_on_a_new_application_passes_through_review(
    source: Status, target: Status, role: Role
) -> None:
    path = path_to(source, target)
    if movable(source, target, role):
        steps = [source, *path]
        for a, b in itertools.pairwise(steps):
            check_transition(a, b, role, "reason")
    if source is Status.SUBMITTED and target is not Status.IN_REVIEW:
        assert path[0] is Status.IN_REVIEW


def test_every_status_has_words_for_families_and_staff() -> None:
    for language in ("ky", "ru"):
        t = I18N.get(language)
        for status in Status:
            assert t.gettext(STATUS_LABELS[status]) != STATUS_LABELS[status]
            assert t.gettext(NEXT_STEP[status]) != NEXT_STEP[status]
    assert set(FAMILY_NOTICE) == set(Status) - {Status.DRAFT, Status.SUBMITTED}
    assert I18N.get("ky").gettext(STATUS_LABELS[Status.IN_REVIEW]) == "Каралууда"
    assert I18N.get("ru").gettext(STATUS_LABELS[Status.REJECTED]) == "Отклонена"


# --- permissions -----------------------------------------------------------------------------

region_sets = st.frozensets(st.sampled_from(sorted(REGION_CODES)), max_size=4)
regions_or_none = st.one_of(st.none(), st.sampled_from(sorted(REGION_CODES)))


@given(roles, region_sets, regions_or_none, st.one_of(st.none(), st.integers(1, 3)))
def test_who_may_see_and_act(
    role: Role, regions: frozenset[str], region: str | None, assigned: int | None
) -> None:
    actor = Actor(1, role, regions)
    view, act = check_view(actor, region), check_act(actor, region, assigned)
    if role is Role.APPLICANT:
        assert view is Denial.NOT_STAFF and act is Denial.NOT_STAFF
    elif role is Role.ADMIN:
        assert view is None and act is None
    else:
        in_region = region is not None and region in regions
        assert (view is None) == in_region
        if in_region:
            assert (act is None) == (assigned in (None, 1))
            if assigned not in (None, 1):
                assert act is Denial.TAKEN_BY_OTHER


@given(roles, region_sets, regions_or_none)
def test_a_filter_never_widens_a_caseworkers_regions(
    role: Role, regions: frozenset[str], wanted: str | None
) -> None:
    actor = Actor(1, role, regions)
    visible = visible_regions(actor, wanted)
    if role is Role.ADMIN:
        assert visible == (None if wanted is None else {wanted})
    else:
        assert visible is not None and visible <= regions


# --- working days and reminders --------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 1), timezones=st.just(UTC)
)


@given(moments, st.integers(0, 30))
def test_working_days_arithmetic(start: datetime, days: int) -> None:
    holidays = default_holidays()
    end = add_working_days(start, days, holidays)
    local_start, local_end = start.astimezone(BISHKEK), end.astimezone(BISHKEK)
    assert local_end.time() == local_start.time()
    assert working_days_between(local_start.date(), local_end.date(), holidays) == days
    if days:
        assert is_working_day(local_end.date(), holidays)
        assert end - start >= timedelta(days=days)
        assert add_working_days(start, days - 1, holidays) < end


def test_working_days_examples() -> None:
    friday = datetime.combine(date(2026, 6, 5), time(10, 0), tzinfo=BISHKEK)
    assert add_working_days(friday, 5).date() == date(2026, 6, 12)
    saturday = friday + timedelta(days=1)
    assert add_working_days(saturday, 5).date() == date(2026, 6, 12)
    holiday = Holidays(dates=frozenset({date(2026, 6, 8)}))
    assert add_working_days(friday, 5, holiday).date() == date(2026, 6, 15)
    # Independence Day (31 August) is in the shipped [assumed] list.
    assert date(2026, 8, 31) in default_holidays()
    assert not is_working_day(date(2026, 8, 31), default_holidays())


def test_holiday_file_errors_name_the_entry() -> None:
    with pytest.raises(HolidaysError, match="13-01"):
        parse_holidays({"annual": ["13-01"]})
    with pytest.raises(HolidaysError, match="2026-02-30"):
        parse_holidays({"dates": ["2026-02-30"]})
    with pytest.raises(HolidaysError):
        parse_holidays({"annual": "01-01"})


def test_reminder_rules() -> None:
    since = datetime(2026, 6, 5, 4, 0, tzinfo=UTC)  # Friday 10:00 in Bishkek
    assert due_at(ReminderKind.DRAFT_IDLE, since) == since + timedelta(days=3)
    assert due_at(ReminderKind.INFO_UNANSWERED, since) == since + timedelta(days=3)
    assert due_at(ReminderKind.UNASSIGNED, since) == since + timedelta(days=7)
    now = since + timedelta(days=10)
    assert claimable(now, None, 0)
    assert not claimable(now, now - CLAIM_LEASE + timedelta(seconds=1), 1)
    assert claimable(now, now - CLAIM_LEASE, 1)
    assert not claimable(now, None, MAX_ATTEMPTS)


# --- queue filters from untrusted callback data ----------------------------------------------


@given(st.lists(st.text(max_size=12), max_size=4))
def test_queue_filter_accepts_only_known_values(parts: list[str]) -> None:
    parsed = parse_filter(tuple(parts))
    if parsed is not None:
        assert parsed.status in {"act", "all"} | {s.value for s in Status} - {"draft"}
        assert parsed.region in REGION_CODES | {"all"}
        assert 0 <= parsed.page < 100_000


def test_queue_filter_examples() -> None:
    assert parse_filter(("act", "all")) is not None
    assert parse_filter(("in_review", "KG-C", "2")).page == 2  # type: ignore[union-attr]
    for bad in (("draft", "all"), ("act", "KG-X"), ("act", "all", "-1"), ("x", "all")):
        assert parse_filter(bad) is None


# --- exports, chart, messages ----------------------------------------------------------------


def _application(number: int, **fields: object) -> Application:
    values: dict[str, object] = {
        "id": number,
        "ref": f"SC-2026-{number:06d}",
        "user_id": 1,
        "status": Status.IN_REVIEW,
        "language": "ky",
        "pin": "21001199000123",
        "phone": "+996700123456",
        "full_name": "Айгүл",
        "region": "KG-C",
        "district": "Аламүдүн району",
        "priority_score": 3,
        "assigned_to": 7,
        "submitted_at": datetime(2026, 3, 2, 4, 30, tzinfo=UTC),
        "updated_at": datetime(2026, 3, 3, 4, 30, tzinfo=UTC),
    }
    values.update(fields)
    return Application(**values)


def test_exports_parse_back_in_both_formats() -> None:
    t = I18N.get("ru")
    apps = [_application(1), _application(2, full_name="=HYPERLINK(1)", status=Status.FUNDED)]
    data = exports.rows(t, apps, {7: "Бакыт"})
    parsed = list(
        csv.DictReader(io.StringIO(exports.to_csv(t, data, "x").content.decode("utf-8-sig")))
    )
    assert [r["Номер заявки"] for r in parsed] == ["SC-2026-000001", "SC-2026-000002"]
    assert parsed[0]["Подана (время Бишкека)"] == "2026-03-02 10:30"  # UTC+6
    assert parsed[0]["Социальный работник"] == "Бакыт"
    assert parsed[1]["Статус"] == "Средства перечислены" and parsed[1]["Код статуса"] == "funded"
    assert parsed[1]["Заявитель"] == "'=HYPERLINK(1)"  # never a formula
    book = load_workbook(io.BytesIO(exports.to_xlsx(t, data, "x").content))
    sheet = book.active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Номер заявки" and rows[2][6] == "'=HYPERLINK(1)"
    assert rows[1][9] == datetime(2026, 3, 2, 10, 30)


def test_stats_table_and_chart() -> None:
    t = I18N.get("ky")
    counts = {
        ("KG-C", Status.SUBMITTED): 3,
        ("KG-C", Status.FUNDED): 1,
        ("KG-Y", Status.REJECTED): 2,
    }
    text = stats.table_text(t, counts)
    assert "Чүй облусу: 4" in text and "Ысык-Көл облусу: 2" in text and "Бардыгы: 6" in text
    png = stats.chart_png(t, counts)
    assert png.startswith(b"\x89PNG") and len(png) > 2000
    assert "Азырынча арыз жок." in stats.table_text(t, {})


@given(st.lists(st.text(alphabet="аб\n ", max_size=9000), max_size=5))
def test_split_messages_fit_telegram(blocks: list[str]) -> None:
    messages = render.split_messages(blocks)
    assert all(len(m) <= render.MESSAGE_LIMIT for m in messages)


@given(st.lists(st.text(alphabet="аб\n ", min_size=1, max_size=3000), max_size=6))
def test_split_messages_keep_whole_blocks_in_order(blocks: list[str]) -> None:
    messages = render.split_messages(blocks)
    assert "\n\n".join(messages) == "\n\n".join(blocks)


def test_domain_modules_import_neither_telegram_nor_sqlalchemy() -> None:
    import subprocess
    import sys

    modules = (
        "bot.lifecycle",
        "bot.lifecycle_text",
        "bot.casework.permissions",
        "bot.casework.reminder_rules",
        "bot.casework.workdays",
    )
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "bad = [m for m in sys.modules if m.split('.')[0] in ('telegram', 'sqlalchemy')]\n"
        + "print(bad)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
