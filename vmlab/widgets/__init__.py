"""Widgets: factories that return a container widget (they never ``display()`` themselves).

Callbacks are named methods, so tests drive them by setting ``.value`` or calling
``.click()``; errors inside a callback become a message in the widget.

=====================  ======  ==============================================
factory                lesson  what the student does
=====================  ======  ==============================================
``failure_picker``     00      fail a host with no protection
``migrate_wizard``     01      migrate one VM by hand, as the vSphere Client does
``migration_explorer`` 01      turn the knobs of one pre-copy migration
``balancer``           02      choose a threshold, run the proposed vMotions
``ha_dashboard``       03      fail / isolate / repair hosts with HA
``ft_panel``           04      fail either copy of an FT VM, cut its logging
``storage_panel``      06      lose a datastore's paths (APD) or its LUN (PDL)
=====================  ======  ==============================================
"""

from __future__ import annotations

from vmlab.widgets.balance import Balancer, balancer
from vmlab.widgets.dashboard import ha_dashboard
from vmlab.widgets.explorer import MigrationExplorer, migration_explorer
from vmlab.widgets.failure import FailurePicker, describe_failure, failure_picker
from vmlab.widgets.ft_panel import ft_panel
from vmlab.widgets.storage_panel import StoragePanel, storage_panel
from vmlab.widgets.wizard import MigrateWizard, migrate_wizard

__all__ = [
    "Balancer",
    "FailurePicker",
    "MigrateWizard",
    "MigrationExplorer",
    "StoragePanel",
    "balancer",
    "describe_failure",
    "failure_picker",
    "ft_panel",
    "ha_dashboard",
    "migrate_wizard",
    "migration_explorer",
    "storage_panel",
]
