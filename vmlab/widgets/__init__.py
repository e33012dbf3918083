"""Widgets: factories that return a container widget (they never ``display()`` themselves).

Callbacks are named methods, so tests drive them by setting ``.value`` or calling
``.click()``; errors inside a callback become a message in the widget.
"""

from __future__ import annotations

from vmlab.widgets.failure import FailurePicker, describe_failure, failure_picker

__all__ = ["FailurePicker", "describe_failure", "failure_picker"]
