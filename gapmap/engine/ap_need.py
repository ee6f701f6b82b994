"""Alternative provision need beyond EHC plans: pupils in AP schools plus LA-funded AP placements.

Most pupils in alternative provision have no EHC plan (many are there after an
exclusion), so the SEN2 count of plans placed in AP (``ap_pru_total``) is only
part of the need.  With ``Settings(ap_need="placements")`` (``gapmap build
--ap-need placements``) the AP need of each LA is estimated as

* pupils on roll in its state-funded AP schools (pupil referral units, AP
  academies and free schools) from the supply source, counted where the school
  is, plus
* LA-funded AP placements in every other setting (DfE AP census, January 2023:
  schools with a URN, colleges, registered and unregistered providers, one to
  one tuition, work placements), counted by the LA that funds them,

an estimate of children needing AP that uses the settings they are in now, not
a forecast; the EHC plans in AP are named beside it as context.
"""

from __future__ import annotations

import pandas as pd

from gapmap.errors import DataFileError, InputError
from gapmap.inputs import StudyInputs

#: Embedded LA-funded AP placements by setting (see ``data/SOURCES.md``).
PLACEMENTS_FILE = "ap_placements_2022-23.csv"

#: What the estimate is not, said after its method.
AP_NEED_CAVEAT = ("It counts children in AP now, not a forecast; the pupils on roll in AP schools are also the places "
                  "(rolls), so the shortfall is the children the LA places in other settings.")

#: The AP census January the placements count.
PLACEMENTS_YEAR = "2022/23 (January 2023)"


def need_source(kind: str, ap_need: str, plans: str) -> str:
    """What a kind's need is counted from, for labels: ``plans`` (e.g. ``"EHC plans 2024/25"``) or the AP estimate.

    Examples
    --------
    >>> need_source("ap", "placements", "EHC plans 2024/25"), need_source("special", "placements", "EHC plans 2024/25")
    ('AP pupils on roll + LA-funded AP placements of January 2023 (estimate)', 'EHC plans 2024/25')
    """
    if kind == "ap" and ap_need == "placements":
        return "AP pupils on roll + LA-funded AP placements of January 2023 (estimate)"
    return plans


def ap_placements() -> pd.DataFrame:
    """LA-funded AP placements by setting, 2022/23, per LA (``la_gss``) and England (``E92000001``).

    Returns
    -------
    pandas.DataFrame
        ``time_period``, ``la_gss``, ``la_name``, ``setting_type`` (``"Total"`` for all settings),
        ``placements``.

    Raises
    ------
    DataFileError
        If the embedded file is missing.
    """
    from gapmap.sources.embedded import embedded_file

    path = embedded_file(PLACEMENTS_FILE)
    if not path.is_file():
        raise DataFileError(f"The embedded AP placements file {path} is missing; reinstall gapmap, or run with "
                            "--ap-need plans.")
    return pd.read_csv(path, dtype={"la_gss": str, "la_name": str, "setting_type": str})


def ap_pupils_on_roll(provision: pd.DataFrame, las: list[str]) -> pd.Series:
    """Pupils on roll in state-funded AP schools per LA where the school is (0 where it has none)."""
    mask = (provision["kind"] == "ap").fillna(False) & (provision["sector"] == "state-funded").fillna(False)
    pupils = pd.to_numeric(provision.loc[mask, "pupils"], errors="coerce").fillna(0)
    return pupils.groupby(provision.loc[mask, "la_gss"].astype(str)).sum().reindex(las, fill_value=0).astype("float64")


def ap_need_caseload(inputs: StudyInputs, las: list[str], plans: pd.Series | None,
                     plans_year: str = "") -> tuple[pd.Series, str]:
    """Estimated AP need per LA from AP pupils on roll and LA-funded AP placements.

    Parameters
    ----------
    inputs
        Study inputs (the supply gives the AP pupils on roll).
    las
        ONS codes of the LAs that need a figure.
    plans
        EHC plans placed in AP per LA (SEN2), named beside the estimate; ``None`` when unknown.
    plans_year
        Their year, e.g. ``"2022/23"``.

    Returns
    -------
    caseload : pandas.Series
        Estimated children needing AP per LA (index ``la_gss``).
    method : str
        How it was estimated, with the study's totals.

    Raises
    ------
    InputError
        If an LA has no AP placement figure (e.g. a code that changed after 2023).
    """
    table = ap_placements()
    totals = table[table["setting_type"] == "Total"].set_index("la_gss")["placements"].astype("float64")
    missing = [code for code in las if code not in totals.index]
    if missing:
        raise InputError(f"The AP census 2022/23 has no LA-funded AP placement figure for {', '.join(missing)} "
                         "(LA codes changed since), so AP need cannot be estimated from placements; run with "
                         "--ap-need plans.")
    on_roll = ap_pupils_on_roll(inputs.provision, las)
    placed = totals.reindex(las)
    caseload = on_roll + placed
    context = "" if plans is None else f"; EHC plans placed in AP{' in ' + plans_year if plans_year else ''}: " \
        f"{plans.sum():,.0f}"
    method = (f"ap demand: an estimate of children needing alternative provision, from the settings they are in: "
              f"pupils on roll in state-funded AP schools ({on_roll.sum():,.0f}, the supply source, counted where the "
              f"school is) + LA-funded AP placements in other settings ({placed.sum():,.0f}, DfE AP census "
              f"{PLACEMENTS_YEAR}, counted by the funding LA) = {caseload.sum():,.0f}{context}")
    return caseload, method
