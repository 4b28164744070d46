"""The words of the engine: why an answer was refused, and how to answer each type.

Every msgid is a literal here (Babel extracts them); parameters are filled after translating.
"""

from __future__ import annotations

from typing import Any

from bot.forms.model import Amount, Day, Kind, Problem, Question
from bot.i18n import Translator


def _param(t: Translator, value: Any) -> Any:
    if isinstance(value, Amount):
        return t.money(value.som)
    if isinstance(value, Day):
        return t.date(value.value)
    if isinstance(value, int) and not isinstance(value, bool):
        return t.number(value)
    return value


def problem_text(t: Translator, problem: Problem) -> str:
    """The problem in the user's language, specific enough to fix it."""
    p = {k: _param(t, v) for k, v in problem.params.items()}
    raw = problem.params
    code = problem.code
    if code == "custom" and problem.message:
        return t.gettext(problem.message).format(**p)
    if code == "text_empty":
        return t.gettext("The answer is empty. Please write it in words.")
    if code == "text_too_long":
        return t.ngettext(
            "The text is too long: at most {limit} character, you sent {length}.",
            "The text is too long: at most {limit} characters, you sent {length}.",
            raw["limit"],
        ).format(**p)
    if code == "text_too_short":
        return t.ngettext(
            "The answer is too short: please write at least {min} character.",
            "The answer is too short: please write at least {min} characters.",
            raw["min"],
        ).format(**p)
    if code == "text_expected":
        return t.gettext("Please answer with a text message.")
    if code == "integer_format":
        return t.gettext("Please send a whole number in digits, for example 3.")
    if code == "integer_whole":
        return t.gettext("Please send a whole number, without a fraction.")
    if code == "number_too_big":
        return t.gettext("That number is too long. Please check it.")
    if code == "number_min":
        return t.gettext("The number must be at least {min}.").format(**p)
    if code == "number_max":
        return t.gettext("The number must be at most {max}.").format(**p)
    if code == "money_format":
        return t.gettext("Please send the amount in som in digits, for example 25 000.")
    if code == "money_whole":
        return t.gettext("Please send a whole number of som, without тыйын.")
    if code == "date_format":
        return t.gettext("Please write the date as dd.mm.yyyy, for example 15.04.2026.")
    if code == "date_invalid":
        return t.gettext("There is no such date. Please check the day and the month.")
    if code == "date_min":
        return t.gettext("The date cannot be earlier than {min}.").format(**p)
    if code == "date_max":
        return t.gettext("The date cannot be later than {max}.").format(**p)
    if code == "phone_format":
        return t.gettext(
            "This does not look like a phone number. Send it as +996 555 123 456 or "
            "0555 123 456, or press «Share my contact»."
        )
    if code == "phone_country":
        return t.gettext("Please give a Kyrgyz number: it starts with +996.")
    if code == "phone_length":
        return t.gettext(
            "A Kyrgyz mobile number has 9 digits after +996 (or 0); you sent {count}."
        ).format(**p)
    if code == "phone_prefix":
        return t.gettext(
            "{prefix} is not the code of a Kyrgyz mobile operator. Please check the number."
        ).format(**p)
    if code == "pin_digits":
        return t.gettext("The PIN is made of digits only. Please send its 14 digits.")
    if code == "pin_length":
        return t.gettext("The PIN has 14 digits; you sent {count}.").format(**p)
    if code == "pin_first_digit":
        return t.gettext("A PIN starts with 1 or 2; yours starts with {digit}.").format(**p)
    if code == "pin_birth_date_unreadable":
        return t.gettext(
            "Please double-check the PIN: digits 2 to 9 are usually the birth date, and here "
            "they are not a date. We saved it as you wrote it."
        )
    if code == "pin_birth_date_unlikely":
        return t.gettext(
            "Please double-check the PIN: the birth date in it would be {date}. "
            "We saved it as you wrote it."
        ).format(**p)
    if code == "choose_button":
        return t.gettext("Please choose one of the buttons under the question.")
    if code == "select_at_least":
        return t.ngettext(
            "Please choose at least {count} option, then press «Done».",
            "Please choose at least {count} options, then press «Done».",
            raw["count"],
        ).format(**p)
    if code == "upload_expected":
        return t.gettext("Please send a photo or a file here, not text.")
    if code == "upload_type":
        return t.gettext(
            "This type of file is not accepted here. Please send a photo or a file of type: "
            "{types}."
        ).format(**p)
    if code == "upload_too_big":
        return t.gettext(
            "The file is too large ({size_mb} MB). The limit is {limit_mb} MB: please send a "
            "smaller photo or file."
        ).format(**p)
    if code == "repeat_too_few":
        return t.ngettext(
            "Please add at least {count} item.", "Please add at least {count} items.", raw["count"]
        ).format(**p)
    if code == "repeat_too_many":
        return t.ngettext(
            "At most {count} item can be added.",
            "At most {count} items can be added.",
            raw["count"],
        ).format(**p)
    if code == "required":
        return t.gettext("This question must be answered.")
    if code == "use_buttons":
        return t.gettext("Please use the buttons under the message.")
    return t.gettext("This answer is not accepted. Please try again.")


def answer_hint(t: Translator, question: Question) -> str:
    """How to answer a question of this type (shown under the question)."""
    kind = question.kind
    if kind is Kind.LONG_TEXT:
        return t.gettext("Write your answer in one message (up to {limit} characters).").format(
            limit=t.number(question.text_limit)
        )
    if kind is Kind.INTEGER:
        return t.gettext("Send a number in digits.")
    if kind is Kind.MONEY:
        return t.gettext("Send the amount in som, in digits (for example 25 000).")
    if kind is Kind.DATE:
        return t.gettext("Write the date as dd.mm.yyyy.")
    if kind is Kind.PHONE:
        return t.gettext(
            "Press «Share my contact» below, or type the number as +996 555 123 456 or "
            "0555 123 456. To go back, send /back."
        )
    if kind is Kind.PIN:
        return t.gettext("The PIN has 14 digits; it is on the ID card.")
    if kind is Kind.UPLOAD:
        return t.gettext("Send a photo, or a file (JPG, PNG or PDF) up to {limit} MB.").format(
            limit=max(1, question.max_bytes // (1024 * 1024))
        )
    if kind is Kind.MULTI_CHOICE:
        return t.gettext("Choose one or more, then press «Done».")
    if kind is Kind.CHOICE and question.allow_typed:
        return t.gettext("Choose a button, or type the answer.")
    return ""
