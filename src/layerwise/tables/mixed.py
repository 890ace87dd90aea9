"""A generated table of the kind people have: numbers, text, a boolean, missing values.

:func:`mixed_table` draws a field survey of penguins (its numbers follow the means of the
Palmer penguins measurements, widened; nothing is read or downloaded): three species to tell
apart from four measurements, the island, the sex, the diet, whether the bird was tagged and
the year. Missing values are scattered through numbers and text alike, one island is rare, and
``id`` names each row. It is the built-in data set ``mixed``, and the table the tests and the
benchmarks train on raw.

Examples
--------
>>> frame = mixed_table(m=200, seed=0)
>>> list(frame.columns)          # doctest: +NORMALIZE_WHITESPACE
['id', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'island',
 'sex', 'diet', 'tagged', 'year', 'species']
>>> sorted(frame["species"].unique())
['Adelie', 'Chinstrap', 'Gentoo']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._optional import require

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["mixed_table", "SPECIES", "ISLANDS"]

SPECIES = ("Adelie", "Chinstrap", "Gentoo")
#: island -> (share of the birds, P(species | island))
ISLANDS = {
    "Biscoe": (0.45, (0.30, 0.10, 0.60)),
    "Dream": (0.35, (0.45, 0.50, 0.05)),
    "Torgersen": (0.196, (0.90, 0.05, 0.05)),
    "Litchfield": (0.004, (1 / 3, 1 / 3, 1 / 3)),  # rare: fewer than 5 birds in 1000
}
#: species -> (mean, sd) of bill length, bill depth, flipper length, body mass
_MEASURES = {
    "Adelie": ((38.8, 4.0), (18.3, 1.8), (190.0, 9.0), (3700.0, 600.0)),
    "Chinstrap": ((48.8, 4.5), (18.4, 1.7), (196.0, 9.0), (3730.0, 550.0)),
    "Gentoo": ((47.5, 4.5), (15.0, 1.5), (217.0, 9.0), (5076.0, 650.0)),
}
_DIETS = ("fish", "krill", "squid")
#: species -> P(diet)
_DIET = {"Adelie": (0.5, 0.4, 0.1), "Chinstrap": (0.2, 0.7, 0.1), "Gentoo": (0.4, 0.3, 0.3)}


def mixed_table(m: int = 1000, seed: int = 0, missing: float = 0.04) -> pd.DataFrame:
    """A penguin survey of ``m`` rows: numbers, text, a boolean, missing values, a rare island.

    Parameters
    ----------
    m : int
        Rows.
    seed : int
        Seed of the generator (the same seed, the same rows).
    missing : float
        Fraction of missing values in each measurement, ``sex``, ``diet`` and ``tagged``
        (half of it in ``island``).

    Returns
    -------
    pandas.DataFrame of shape (m, 11)
        ``id`` (text, distinct), four float measurements, ``island``, ``sex``, ``diet``
        (text), ``tagged`` (booleans; object dtype where missing), ``year`` (int) and the
        target ``species``.
    """
    pd = require("pandas", "tables", "the mixed data set")
    if isinstance(m, bool) or not isinstance(m, int) or m < 1:
        raise ValueError(f"m must be a positive int; Received: m={m!r}")
    rng = np.random.default_rng(seed)
    names = list(ISLANDS)
    island = rng.choice(names, size=m, p=[share for share, _ in ISLANDS.values()])
    species = np.empty(m, dtype=object)
    for name, (_, p) in ISLANDS.items():
        where = island == name
        species[where] = rng.choice(SPECIES, size=int(where.sum()), p=p)
    sex = rng.choice(["female", "male"], size=m)
    male = sex == "male"
    columns: dict[str, np.ndarray] = {"id": np.array([f"P{i + 1:06d}" for i in range(m)])}
    measures = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")
    for j, column in enumerate(measures):
        mean = np.array([_MEASURES[s][j][0] for s in species])
        sd = np.array([_MEASURES[s][j][1] for s in species])
        value = rng.normal(mean, sd) * np.where(male, 1.05, 0.95)
        columns[column] = np.round(value, 1 if j < 3 else 0)
    diet = np.array([rng.choice(_DIETS, p=_DIET[s]) for s in species], dtype=object)
    tagged = rng.random(m) < 0.3
    frame = pd.DataFrame(columns)
    frame["island"] = island.astype(object)
    frame["sex"] = sex.astype(object)
    frame["diet"] = diet
    frame["tagged"] = tagged.astype(object)
    frame["year"] = rng.integers(2007, 2010, size=m)
    frame["species"] = species
    for column in (*measures, "sex", "diet", "tagged"):
        frame.loc[rng.random(m) < missing, column] = None
    frame.loc[rng.random(m) < missing / 2, "island"] = None
    if not frame["tagged"].isna().any():
        frame["tagged"] = frame["tagged"].astype(bool)
    return frame
