"""Travel time: estimated car minutes anywhere in England, routed minutes on a road network.

* :func:`car_minutes`: the calibrated model (:mod:`gapmap.travel.model`), offline;
* :mod:`gapmap.travel.calibrate` and :mod:`gapmap.travel.reference`: how it was
  fitted and validated on OpenStreetMap-routed reference times.
"""

from gapmap.travel.model import CarTimeModel, car_minutes, default_model

__all__ = ["CarTimeModel", "car_minutes", "default_model"]
