"""The JSON renderer: the public report contract, byte-identical for identical inputs."""

from __future__ import annotations

from heshan_vetting.report import ReportSet


def render_json(reports: ReportSet, lang: str = "zh") -> str:
    """One report as a top-level object; several under ``reports``. ``lang`` is ignored (both are kept)."""
    if len(reports.reports) == 1:
        return reports.reports[0].to_json()
    return reports.to_json()
