"""Status badges: one colour per invite status, for tables and templates alike."""

from __future__ import annotations

STATUS_CSS = {
    "DRAFT": "secondary",
    "INVITED": "info",
    "IN_PROGRESS": "primary",
    "COMPLETED": "success",
    "CANCELLED": "dark",
    "EXPIRED": "warning",
}


def status_css(status: str) -> str:
    """Bootstrap colour for an invite status."""
    return STATUS_CSS.get(status, "secondary")
