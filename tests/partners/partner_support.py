"""Shared by the partner tests: a config with partners, over a real store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from syndicate.config import Config, parse_config

AUTH = "news.example.org"
SECTIONS = {"city": "City", "world": "World", "sport": "Sport"}
LICENCES = {"syn": "Licensed for syndication", "cc-by": "CC BY 4.0", "staff": "Staff only"}


def partner_config(tmp_path: Path, store_url: str, partners: dict[str, Any], **over: Any) -> Config:
    data: dict[str, Any] = {
        "site": {
            "title": "Ledger",
            "base_url": "https://news.example.org",
            "licence": "© The Ledger",
            "attribution": "The Ledger",
        },
        "store": {"url": store_url},
        "output": {"dir": str(tmp_path / "feeds"), "report": ""},
        "links": {"enabled": False},
        "sections": SECTIONS,
        "licences": LICENCES,
        "partners": partners,
    }
    data.update(over)
    return parse_config(data, root=tmp_path, source="config.toml")
