"""The business-plan questionnaire as data: budget cap, computed values, prefill, the PDF."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from pypdf import PdfReader

from bot.forms import engine
from bot.forms.model import Amount, Kind, Problem
from bot.forms.present import summary
from bot.i18n import I18n
from bot.plan.calculations import payback_months
from bot.plan.pdf import render_plan_pdf
from bot.plan.prefill import prefill_from_check
from bot.plan.questions import build_plan_form
from bot.plan.submission import reference

FORM = build_plan_form(150_000)
LINES = [
    {"item": "Уй", "quantity": 2, "unit_price": 50_000},
    {"item": "Сүт бөлгүч", "quantity": 1, "unit_price": 30_000},
]


def budget_check(items: list[dict[str, Any]]) -> Problem | None:
    question = FORM.question("budget")
    assert question is not None and question.constraint is not None
    return question.constraint(items, {})


def test_budget_total_is_capped_by_the_grant_from_the_ruleset() -> None:
    assert budget_check(LINES) is None  # 130 000
    over = budget_check([*LINES, {"item": "x", "quantity": 1, "unit_price": 20_001}])
    assert over is not None and over.params["total"] == Amount(150_001)
    assert over.params["grant"] == Amount(150_000)
    assert budget_check([]) is not None  # total must be above 0
    smaller = build_plan_form(100_000).question("budget")
    assert smaller is not None and smaller.constraint is not None
    assert smaller.constraint(LINES, {}) is not None


def test_unit_price_cannot_exceed_the_grant() -> None:
    budget = FORM.question("budget")
    assert budget is not None
    price = next(f for f in budget.fields if f.id == "unit_price")
    assert price.kind is Kind.MONEY and price.max_value == 150_000


def test_computed_values() -> None:
    answers = {
        "budget": LINES,
        "own_contribution": 20_000,
        "monthly_revenue": 40_000,
        "monthly_costs": 15_000,
    }
    values = engine.compute(FORM, answers)
    assert values == {
        "budget_total": 130_000,
        "own_contribution_total": 20_000,
        "project_total": 150_000,
        "monthly_profit": 25_000,
        "payback_months": 6,  # 130 000 / 25 000 = 5.2, rounded up
    }
    assert payback_months({"budget_total": 100, "monthly_profit": 0}) is None
    assert payback_months({"budget_total": 100, "monthly_profit": -5}) is None


def test_conditional_questions() -> None:
    other = FORM.question("business_other")
    certificate = FORM.question("disability_doc")
    note = FORM.question("own_contribution_note")
    assert other and certificate and note
    assert other.is_relevant({"business_type": "other"})
    assert not other.is_relevant({"business_type": "honey"})
    assert certificate.is_relevant({"disability": True})
    assert not certificate.is_relevant({"disability": False})
    assert note.is_relevant({"own_contribution": 5}) and not note.is_relevant(
        {"own_contribution": 0}
    )


def test_family_constraints() -> None:
    kids = FORM.question("children_under_16")
    workers = FORM.question("able_to_work_adults")
    assert kids and kids.constraint and workers and workers.constraint
    assert kids.constraint(5, {"household_size": 5}) is not None  # someone must be an adult
    assert kids.constraint(4, {"household_size": 5}) is None
    assert workers.constraint(6, {"household_size": 5}) is not None


def test_prefill_from_an_eligibility_check_takes_only_sound_values() -> None:
    check = {
        "region": "KG-C",
        "district": "Аламүдүн району",
        "support": "benefit",
        "household_size": 6,
        "children_under_16": 3,
        "able_to_work_adults": 2,
        "disability": True,
        "existing_business": False,
        "had_contract_before": False,
    }
    assert prefill_from_check(check) == {
        "region": "KG-C",
        "district": "Аламүдүн району",
        "household_size": 6,
        "children_under_16": 3,
        "able_to_work_adults": 2,
        "disability": True,
        "existing_business": False,
    }
    odd = prefill_from_check(
        {
            "region": "XX",
            "district": "y",
            "household_size": 2,
            "children_under_16": 2,
            "able_to_work_adults": "two",
            "disability": "yes",
        }
    )
    assert odd == {"household_size": 2}


def test_prefilled_questions_are_skipped_by_the_engine() -> None:
    state = engine.start(FORM, prefill_from_check({"region": "KG-C", "household_size": 4}))
    assert state.current == "full_name"
    for qid, value in (
        ("full_name", "Асанова Айгүл"),
        ("pin", "21503198512345"),
        ("phone", "+996555123456"),
    ):
        state = engine.answer(FORM, state, qid, value)
    assert state.current == "district"  # region came from the check
    state = engine.answer(FORM, state, "district", "Кант")
    state = engine.answer(FORM, state, "village", "Кант")
    assert state.current == "children_under_16"  # household size came from the check


def test_reference_number_format() -> None:
    assert reference(123, datetime(2026, 12, 31, 20, 0, tzinfo=UTC)) == "SC-2027-000123"
    assert reference(7, datetime(2026, 6, 1, tzinfo=UTC)) == "SC-2026-000007"


def full_answers() -> dict[str, Any]:
    return {
        "full_name": "Өмүрбекова Гүлнара Үсөновна",
        "pin": "21503198512345",
        "phone": "+996555123456",
        "region": "KG-Y",
        "district": "Түп району",
        "village": "Түп айылы",
        "household_size": 6,
        "children_under_16": 3,
        "able_to_work_adults": 2,
        "disability": False,
        "business_type": "dairy",
        "existing_business": False,
        "ovop": True,
        "description": "Үйдө сүт азыктарын өндүрүү: каймак, сары май, курут.",
        "local_resources": "Үч уй, жайыт",
        "skills": "Он жыл тажрыйба",
        "workers": "Мен жана күйөөм",
        "market": "Базарда жана дүкөндөрдө сатабыз",
        "sales_channels": ["bazaar", "shops"],
        "budget": LINES,
        "own_contribution": 0,
        "monthly_revenue": 40_000,
        "monthly_costs": 15_000,
        "start_date": "2027-04-01",
        "jobs_created": 2,
        "risks": "Малдын оорусу",
        "risk_plan": "Ветеринарга кайрылабыз",
        "id_card": {"kind": "photo", "file_id": "F", "file_unique_id": "U", "size": 10},
        "other_doc": None,
    }


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_pdf_in_kyrgyz_embeds_a_font_with_kyrgyz_letters() -> None:
    t = I18n().get("ky")
    data = render_plan_pdf(
        t,
        FORM,
        full_answers(),
        ref="SC-2026-000001",
        submitted_at=datetime(2026, 3, 8, 6, 0, tzinfo=UTC),
    )
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in (
        "Өмүрбекова Гүлнара Үсөновна",
        "Түп айылы",
        "Ысык-Көл облусу",
        "SC-2026-000001",
        "Бизнес-план",
        "Малдын оорусу",
        "08.03.2026 12:00",
    ):
        assert expected in text, expected
    assert "ң" in text and "ө" in text and "ү" in text
    reader = PdfReader(io.BytesIO(data))
    fonts = {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("DejaVu" in name for name in fonts)


def test_pdf_in_russian_uses_russian_labels_and_money() -> None:
    t = I18n().get("ru")
    data = render_plan_pdf(
        t,
        FORM,
        full_answers(),
        ref="SC-2026-000002",
        submitted_at=datetime(2026, 3, 8, 6, 0, tzinfo=UTC),
    )
    text = pdf_text(data)
    assert "Иссык-Кульская область" in text and "ФИО" in text
    assert "130 000 сом" in text.replace("\xa0", " ")
    assert "6 месяцев" in text.replace("\xa0", " ")


def test_summary_sections_and_prefill_marks() -> None:
    t = I18n().get("ru")
    views = summary(t, FORM, full_answers(), frozenset({"household_size"}))
    titles = [v.title for v in views]
    assert titles == [
        "Заявитель",
        "Семья",
        "Бизнес",
        "Бюджет",
        "Доходы, рабочие места и риски",
        "Документы",
        "Расчёты",
    ]
    family = views[1]
    assert family.rows[0].prefilled is True and family.rows[1].prefilled is False
    budget = views[3].rows[0].text.replace("\xa0", " ")
    assert "1. Уй — 2 × 50 000 сом = 100 000 сом" in budget
