"""Where the live sources are: base URLs, ONS service names and paging sizes, in one table.

Defaults are the public endpoints.  A user behind a proxy or a mirror, or
facing a republished ONS service, overrides them without touching code:

* a JSON file named by ``GAPMAP_CONFIG`` (or passed as ``path``), e.g.::

      {"urls": {"gias": "https://mirror.example/gias/"},
       "ons_services": {"lsoa_boundaries": {"service": "LSOA_2021_EW_BGC_V6"}},
       "gias_lookback_days": 30}

* the environment variables ``GAPMAP_GIAS_URL``, ``GAPMAP_ONS_URL``,
  ``GAPMAP_NOMIS_URL`` and ``GAPMAP_IOD_URL``, which win over the file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from gapmap.errors import InputError

#: Public base URLs.  ``iod`` is the file itself (File 7 of the IoD2025).
DEFAULT_URLS: dict[str, str] = {
    "gias": "https://ea-edubase-api-prod.azurewebsites.net/edubase/downloads/public/",
    "ons": "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services/",
    "nomis": "https://www.nomisweb.co.uk/api/v01/",
    "iod": (
        "https://assets.publishing.service.gov.uk/media/691ded56d140bbbaa59a2a7d/"
        "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv"
    ),
}

#: Environment variable overriding each base URL.
URL_ENV_VARS: dict[str, str] = {
    "gias": "GAPMAP_GIAS_URL",
    "ons": "GAPMAP_ONS_URL",
    "nomis": "GAPMAP_NOMIS_URL",
    "iod": "GAPMAP_IOD_URL",
}

CONFIG_ENV_VAR = "GAPMAP_CONFIG"


@dataclass(frozen=True)
class OnsService:
    """One ONS Open Geography Portal feature service and the fields gapmap reads.

    Attributes
    ----------
    service
        Service name in ``.../rest/services/{service}/FeatureServer/0/query``;
        ONS versions these names and renames them on republication.
    fields
        Role -> field name, e.g. ``{"lad": "LAD25CD", "lad_name": "LAD25NM"}``.
    """

    service: str
    fields: Mapping[str, str]


#: The ONS services used, by role.  The LAD, CA, county and LSOA lookups are of one
#: vintage (May 2025) so that their district codes agree (ONS reissues codes, e.g.
#: Barnsley E08000016 -> E08000038 in 2025).  Override any of them in the config file.
DEFAULT_ONS_SERVICES: dict[str, OnsService] = {
    "lad_boundaries": OnsService(
        "Local_Authority_Districts_May_2025_Boundaries_UK_BGC", {"lad": "LAD25CD", "lad_name": "LAD25NM"}
    ),
    "lad_to_ca": OnsService(
        "LAD25_CAUTH25_EN_LU",
        {"lad": "LAD25CD", "lad_name": "LAD25NM", "ca": "CAUTH25CD", "ca_name": "CAUTH25NM"},
    ),
    "lad_to_county": OnsService(
        "LAD25_CTYUA25_UK_LU_v2",
        {"lad": "LAD25CD", "lad_name": "LAD25NM", "county": "CTYUA25CD", "county_name": "CTYUA25NM"},
    ),
    "lsoa_to_lad": OnsService(
        "LSOA21_WD25_LAD25_EW_LU_v2", {"lsoa": "LSOA21CD", "lsoa_name": "LSOA21NM", "lad": "LAD25CD"}
    ),
    "lsoa_boundaries": OnsService(
        "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V5", {"lsoa": "LSOA21CD"}
    ),
    "lsoa_centroids": OnsService("LLSOA_Dec_2021_PWC_for_England_and_Wales_2022", {"lsoa": "LSOA21CD"}),
}


@dataclass(frozen=True)
class SourceConfig:
    """Endpoints and request sizes of the live sources.

    Attributes
    ----------
    urls
        Source name (``gias``, ``ons``, ``nomis``, ``iod``) -> base URL.
    ons_services
        Role -> :class:`OnsService`.
    gias_lookback_days
        How many days back from today to look for the GIAS daily file.
    ons_page_size
        ``resultRecordCount`` asked of ArcGIS (the server may return fewer).
    ons_codes_per_query
        Codes listed in one ArcGIS ``where ... IN (...)`` clause.
    nomis_codes_per_query
        LSOA codes listed in one Nomis ``geography=`` parameter.
    """

    urls: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_URLS))
    ons_services: Mapping[str, OnsService] = field(default_factory=lambda: dict(DEFAULT_ONS_SERVICES))
    gias_lookback_days: int = 21
    ons_page_size: int = 1000
    ons_codes_per_query: int = 100
    nomis_codes_per_query: int = 200

    def url(self, source: str) -> str:
        """Return the base URL of ``source`` (``gias``, ``ons``, ``nomis`` or ``iod``)."""
        return self.urls[source]

    def service(self, role: str) -> OnsService:
        """Return the ONS service used for ``role`` (see :data:`DEFAULT_ONS_SERVICES`)."""
        return self.ons_services[role]


_SIZES = ("gias_lookback_days", "ons_page_size", "ons_codes_per_query", "nomis_codes_per_query")


def load_config(path: str | Path | None = None) -> SourceConfig:
    """Build the source configuration from the defaults, a config file and the environment.

    Parameters
    ----------
    path
        JSON config file; defaults to the file named by ``GAPMAP_CONFIG``, if set.

    Returns
    -------
    SourceConfig
        Defaults, overridden by the file, then by ``GAPMAP_*_URL`` variables.

    Raises
    ------
    InputError
        If the file is missing, is not JSON, or names an unknown key.
    """
    config = SourceConfig()
    path = path if path is not None else os.environ.get(CONFIG_ENV_VAR) or None
    if path is not None:
        config = _apply_file(config, Path(path))
    urls = dict(config.urls)
    for source, variable in URL_ENV_VARS.items():
        if os.environ.get(variable):
            urls[source] = os.environ[variable]
    return replace(config, urls=urls)


def _apply_file(config: SourceConfig, path: Path) -> SourceConfig:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InputError(
            f"Cannot read the gapmap config file {path} ({error.strerror}); fix {CONFIG_ENV_VAR}."
        ) from None
    except json.JSONDecodeError as error:
        raise InputError(f"The gapmap config file {path} is not valid JSON ({error}).") from None
    known = {f.name for f in fields(SourceConfig)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise InputError(
            f"The gapmap config file {path} has unknown key(s) {unknown}; expected some of {sorted(known)}."
        )
    urls = dict(config.urls)
    for source, url in data.get("urls", {}).items():
        if source not in DEFAULT_URLS:
            raise InputError(f"The gapmap config file {path} names an unknown source {source!r} under 'urls'; "
                             f"expected one of {sorted(DEFAULT_URLS)}.")
        urls[source] = str(url)
    services = dict(config.ons_services)
    for role, override in data.get("ons_services", {}).items():
        if role not in DEFAULT_ONS_SERVICES:
            raise InputError(f"The gapmap config file {path} names an unknown ONS service role {role!r}; "
                             f"expected one of {sorted(DEFAULT_ONS_SERVICES)}.")
        base = services[role]
        services[role] = OnsService(
            service=str(override.get("service", base.service)),
            fields={**base.fields, **override.get("fields", {})},
        )
    sizes = {}
    for name in _SIZES:
        if name in data:
            value = data[name]
            if not isinstance(value, int) or value < 1:
                raise InputError(
                    f"The gapmap config file {path} sets {name} to {value!r}; expected a positive integer."
                )
            sizes[name] = value
    return replace(config, urls=urls, ons_services=services, **sizes)
