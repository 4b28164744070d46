"""The program explained to families: short messages for cheap phones, built from the ruleset."""

from __future__ import annotations

from bot.eligibility.program import Program
from bot.i18n import Translator
from bot.menu import MENU_LABELS, MenuAction


def about_messages(t: Translator, program: Program) -> list[str]:
    """About the program, as several short messages (PROGRAM.md, amounts from the ruleset)."""
    what = t.gettext(
        "📘 What is the social contract?\n\n"
        "The state gives a low-income family a non-repayable grant of {amount} to start or grow "
        "a family business. The family writes a realistic business plan and signs a contract "
        "with the state. The money is spent only on what the plan lists."
    ).format(amount=t.money(program.grant_amount))
    who = t.gettext(
        "👨‍👩‍👧 Who may apply?\n\n"
        "• families that receive the «үй-бүлөгө көмөк» benefit;\n"
        "• poor families with a social passport from the aiyl okmotu.\n\n"
        "The family needs members able to work, some property (land, livestock, premises) "
        "and a realistic business plan."
    )
    priority = t.gettext(
        "⭐ Who gets priority?\n\n"
        "• families with 3 or more children;\n"
        "• families with a person with a disability;\n"
        "• «One Village – One Product» projects from local raw materials;\n"
        "• green projects."
    )
    obligation = t.ngettext(
        "⚠️ Important: {months} months after signing, the family stops receiving the "
        "«үй-бүлөгө көмөк» benefit for {years} year.",
        "⚠️ Important: {months} months after signing, the family stops receiving the "
        "«үй-бүлөгө көмөк» benefit for {years} years.",
        program.benefit_suspension_years,
    ).format(months=program.benefit_stops_after_months, years=program.benefit_suspension_years)
    where = t.gettext(
        "📍 Where to apply?\n\n"
        "At your aiyl okmotu or at the district office of labour, social security and "
        "migration. Families take a training in business planning. A temporary commission "
        "of the district decides.\n\n"
        "In this bot you can check eligibility and prepare your application."
    )
    return [what, who, priority, obligation, where]


def help_message(t: Translator) -> str:
    """What each menu button and command does."""
    lines = [
        t.gettext("❓ How to use this bot"),
        "",
        t.gettext("{button} — find out in two minutes whether your family can apply.").format(
            button=t.gettext(MENU_LABELS[MenuAction.CHECK])
        ),
        t.gettext("{button} — write the business plan step by step and apply.").format(
            button=t.gettext(MENU_LABELS[MenuAction.APPLY])
        ),
        t.gettext("{button} — see the status of your application.").format(
            button=t.gettext(MENU_LABELS[MenuAction.MY_APPLICATION])
        ),
        t.gettext("{button} — what the social contract is and who may apply.").format(
            button=t.gettext(MENU_LABELS[MenuAction.ABOUT])
        ),
        t.gettext("{button} — Кыргызча or Русский.").format(
            button=t.gettext(MENU_LABELS[MenuAction.LANGUAGE])
        ),
        "",
        t.gettext("Commands: /start — main menu, /language — change language, /help — this help."),
        t.gettext(
            "While answering questions: /back — one question back, /cancel — stop and delete "
            "the draft."
        ),
        t.gettext(
            "Your data: /mydata — a copy of everything stored about you, /deleteme — erase it."
        ),
        t.gettext("Your answers are saved after each step: you can stop and come back later."),
    ]
    return "\n".join(lines)
