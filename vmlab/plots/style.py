"""The lab's one palette and figure conventions (colour-blind safe: Okabe & Ito, 2008).

VM states always wear the same colours in every plot of every lesson.
"""

from __future__ import annotations

OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}

STATE_COLOURS = {
    "running": OKABE_ITO["green"],
    "stunned": OKABE_ITO["orange"],
    "down": OKABE_ITO["vermillion"],
    "booting": OKABE_ITO["sky_blue"],
    "migrating": OKABE_ITO["blue"],
    "secondary": OKABE_ITO["purple"],
    "off": OKABE_ITO["grey"],
}
"""Colour of each VM state. ``migrating`` = running while vMotion pre-copies its memory."""

HOST_COLOURS = {
    "up": "#F4F4F4",
    "down": "#FBE3D6",
    "maintenance": "#E1EEF7",
    "isolated": "#FFF6C8",
}

FAILURE_MARK = OKABE_ITO["black"]
