"""Small helpers for the sentences vmlab writes to a student."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vmlab.i18n import _, language

__all__ = ["Reason", "listing", "plural", "said", "say"]


class Reason(str):
    """A sentence the engine tests and a student reads: it *is* the English sentence (``==``,
    ``in``, ``startswith``, ``"; ".join`` and a run's rules see English, so a run is the same
    in both languages) and it *prints* in the current language (``str()``, f-strings,
    ``format``, ``repr`` and an exception's message).

        >>> r = Reason("{host} is {state}", host="esx-02", state="down")
        >>> r == "esx-02 is down", r.startswith("esx-02"), f"{r}"
        (True, True, 'esx-02 is down')

    ``template`` is the msgid (mark it with ``N_`` where it is written); ``params`` fill
    it, and a param that is itself a :class:`Reason` is said in the current language too.
    """

    template: str
    params: dict[str, Any]
    parts: tuple[str, ...] | None

    def __new__(cls, template: str, /, **params: Any) -> Reason:
        english = {k: str.__str__(v) if isinstance(v, Reason) else v for k, v in params.items()}
        self = super().__new__(cls, template.format(**english) if params else template)
        self.template, self.params, self.parts = template, params, None
        return self

    @classmethod
    def joined(cls, parts: Iterable[str]) -> Reason:
        """Reasons side by side: ``"; "`` between them (in Chinese ``"；"``)."""
        parts = tuple(parts)
        self = super().__new__(cls, "; ".join(str.__str__(p) for p in parts))
        self.template, self.params, self.parts = "", {}, parts
        return self

    def said(self) -> str:
        """The sentence in the current language."""
        if language() == "en":
            return str.__str__(self)
        if self.parts is not None:
            # TRANSLATORS: the separator between two reasons (a semicolon and a space)
            return _("; ").join(said(p) for p in self.parts)
        text = _(self.template)
        return text.format(**{k: said(v) for k, v in self.params.items()}) if self.params else text

    def __str__(self) -> str:
        return self.said()

    def __format__(self, spec: str) -> str:
        return format(self.said(), spec)

    def __repr__(self) -> str:
        return repr(self.said())

    def __reduce__(self) -> Any:  # copy and pickle keep the template
        return (_rebuild, (str.__str__(self), self.template, self.params, self.parts))


def _rebuild(
    english: str, template: str, params: dict[str, Any], parts: tuple[str, ...] | None
) -> Reason:
    self = str.__new__(Reason, english)
    self.template, self.params, self.parts = template, params, parts
    return self


def say(template: str, /, **params: Any) -> str:
    """``template`` (a msgid, marked with ``N_`` where it is written) in the current language,
    filled with ``params``: a plain ``str``, for sentences other code joins and escapes.

        >>> say("{vm} already runs on {host}", vm="web-01", host="esx-01")
        'web-01 already runs on esx-01'
    """
    text = _(template)
    return text.format(**params) if params else text


def said(text: Any) -> Any:
    """``text`` in the current language when it is a :class:`Reason`, else as it is."""
    return text.said() if isinstance(text, Reason) else text


def listing(names: Iterable[str], *, most: int = 8) -> str:
    """Names the way a message lists them: all of a few, the first and last of many.

    >>> listing(["esx-01", "esx-02"]), listing(f"esx-{i:02d}" for i in range(1, 17))
    ('esx-01, esx-02', 'esx-01 … esx-16')
    >>> listing([])
    '(none)'
    """
    names = [str(n) for n in names]  # a Reason prints in the current language
    if not names:
        # TRANSLATORS: an empty list of names
        return _("(none)")
    if len(names) > most:
        return f"{names[0]} … {names[-1]}"
    return ", ".join(names)


def plural(n: int, word: str, words: str | None = None) -> str:
    """``'1 move'``, ``'3 moves'``.

    >>> plural(1, "move"), plural(3, "move"), plural(2, "VM", "VMs")
    ('1 move', '3 moves', '2 VMs')
    """
    return f"{n} {word if n == 1 else (words or word + 's')}"
