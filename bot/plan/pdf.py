"""The business plan as a PDF, in the applicant's language, for the family and the caseworkers.

DejaVu Sans is embedded (bot/plan/fonts, shipped with the package, licence beside it): it has
the Kyrgyz letters ң ө ү that the PDF core fonts lack.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fpdf import FPDF

from bot.forms.model import Answers, Form
from bot.forms.present import summary
from bot.i18n import Translator

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVu"


class _PlanPDF(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self._footer_text = footer_text
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 16, 18)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(110)
        self.cell(0, 6, f"{self._footer_text} · {self.page_no()}/{{nb}}", align="C")


def render_plan_pdf(
    t: Translator,
    form: Form,
    answers: Answers,
    *,
    ref: str,
    submitted_at: datetime,
    prefilled: frozenset[str] = frozenset(),
) -> bytes:
    """The summary of every answer and computed value, laid out for print."""
    program = t.gettext("«Social contract» program")
    pdf = _PlanPDF(f"{ref} · {program}")
    pdf.set_title(f"{t.gettext(form.title)} {ref}")
    pdf.set_creator("social-contract-bot")
    pdf.alias_nb_pages()
    pdf.add_page()
    width = pdf.epw
    pdf.set_font(FAMILY, "B", 17)
    pdf.multi_cell(width, 9, t.gettext(form.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10)
    pdf.multi_cell(width, 6, program, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        width,
        6,
        t.gettext("Application {ref}, submitted {when}").format(
            ref=ref, when=t.datetime(submitted_at)
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    for view in summary(t, form, answers, prefilled):
        pdf.ln(4)
        pdf.set_font(FAMILY, "B", 13)
        pdf.set_fill_color(232, 238, 245)
        pdf.multi_cell(width, 8, view.title, fill=True, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        for row in view.rows:
            pdf.set_font(FAMILY, "B", 10)
            pdf.multi_cell(width, 5.5, row.label, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font(FAMILY, "", 10)
            pdf.multi_cell(width, 5.5, row.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
    pdf.ln(6)
    pdf.set_font(FAMILY, "", 10)
    pdf.multi_cell(
        width,
        6,
        t.gettext("Applicant's signature: ____________________    Date: ____________"),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
