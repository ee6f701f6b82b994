"""The inputs of one study area, as the sources deliver them to the engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import pandas as pd

#: Columns of the table of source rows that could not be used.
EXCLUDED_COLUMNS = ["source", "record_id", "name", "reason"]


@dataclass(frozen=True)
class StudyInputs:
    """Everything the engine needs for one study area.

    Attributes
    ----------
    name
        Display name, e.g. ``"North East Combined Authority"``.
    slug
        Folder name for outputs, e.g. ``"north-east"``.
    las
        Education authorities studied: ``la_gss``, ``la_name``, ``la_code``
        (DfE), polygon geometry on EPSG:27700.
    lsoas
        Small areas where children live: ``lsoa_code``, ``lsoa_name``,
        ``la_gss``, ``children_0_15``, deprivation columns, ``centroid_easting``,
        ``centroid_northing`` and polygon geometry on EPSG:27700.  Optional:
        ``age_0`` .. ``age_15`` (children by single year of age; without them
        the engine splits ``children_0_15`` evenly across the years, as an
        estimate) and ``idaci_score`` (IDACI rate; otherwise ``idaci_decile``
        is used when EHC plans are weighted by deprivation).
    provision
        The canonical provision table (:mod:`gapmap.model`).
    ehcp
        EHC plan caseload per LA (SEN2 ``caseload.csv``: ``la_gss``,
        ``time_period``, placement columns such as ``special_total``), or an
        empty frame when not available.
    ehcp_needs
        EHC plans per LA by primary need (SEN2 ``sen_needs_all_plans.csv``:
        ``la_gss``, ``time_period``, ``number_asd`` .. ``number_need_unknown``),
        or an empty frame when not available.
    ehcp_england
        SEN2 placement caseload of every English LA and of England
        (``la_gss`` E92000001) for every year: the growth prior and
        back-test pool of the forecast of need; an empty frame when not available.
    excluded
        Source rows that could not be used, with the reason (never dropped silently).
    vintages
        Dataset name -> vintage and source, shown on the summary page.
    dates
        Dataset name (a key of ``vintages``) -> the date its figures refer to,
        where known: the supply's date (``"Schools"``) picks the matching EHC
        plan year, and inputs more than a year apart are flagged
        (:mod:`gapmap.vintage`).
    neighbours
        LAs outside the study area whose provision counts as supply (rows of
        ``provision`` with ``outside_area`` True): ``la_gss``, ``la_name``,
        ``la_code``, polygons; empty when none.
    """

    name: str
    slug: str
    las: gpd.GeoDataFrame
    lsoas: gpd.GeoDataFrame
    provision: gpd.GeoDataFrame
    ehcp: pd.DataFrame = field(default_factory=pd.DataFrame)
    excluded: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EXCLUDED_COLUMNS))
    vintages: dict[str, str] = field(default_factory=dict)
    ehcp_needs: pd.DataFrame = field(default_factory=pd.DataFrame)
    ehcp_england: pd.DataFrame = field(default_factory=pd.DataFrame)
    dates: dict[str, date] = field(default_factory=dict)
    neighbours: gpd.GeoDataFrame | None = None
