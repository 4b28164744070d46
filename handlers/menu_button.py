"""Message filters that recognise our reply-keyboard buttons in either language."""

from __future__ import annotations

from telegram import Message
from telegram.ext.filters import MessageFilter

from bot.i18n import I18n


class MenuButton(MessageFilter):
    """Matches the text of one menu button, in any language: a family may switch languages
    while an old keyboard is still on screen."""

    def __init__(self, i18n: I18n, label_msgid: str) -> None:
        self._texts = frozenset(i18n.all_translations(label_msgid))
        super().__init__(name=f"MenuButton({label_msgid!r})")

    def filter(self, message: Message) -> bool:
        return message.text is not None and message.text.strip() in self._texts
