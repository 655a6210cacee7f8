"""Loader of the ACIC 2016 instances that causallib 0.10.0 ships, read straight out of its wheel.

causallib pins ``pandas<3``, so it is never installed: the wheel is downloaded once (``pip
download --no-deps causallib==0.10.0``) into ``benchmarks/out/wheels/`` (gitignored) and the CSVs
are read from the zip. Nothing is copied into the repository.

Data (Dorie, Hill, Shalit, Scott and Cervone 2019, "Automated versus do-it-yourself methods for
causal inference", Statistical Science 34(1)): ``x.csv`` holds 4,802 units x 58 real covariates
(``x_2``, ``x_21`` and ``x_24`` are categorical strings); ``zymu_{k}.csv`` holds, for simulated
setting k, the treatment ``z``, the noisy potential outcomes ``y0``, ``y1`` and their means
``mu0``, ``mu1``. The observed outcome is ``y = z * y1 + (1 - z) * y0``; the truths are the
*sample* effects ``ATE = mean(mu1 - mu0)`` over every unit and ``ATT = mean(mu1 - mu0)`` over the
treated units (the competition's estimands).

Both the truelift runner and the peers' runner import this module, so they see the same data.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
WHEELS = HERE / "out" / "wheels"
VERSION = "0.10.0"
WHEEL_NAME = f"causallib-{VERSION}-py3-none-any.whl"
PREFIX = "causallib/datasets/data/acic_challenge_2016/"
INSTANCES = (2, 3, 5, 6, 8, 9, 10)


@dataclass(frozen=True)
class Instance:
    """One ACIC 2016 instance: the table (covariates, ``z``, ``y``) and its sample truths."""

    number: int
    data: pd.DataFrame
    covariates: list[str]
    categorical: list[str]
    ate: float
    att: float
    n_treated: int

    def truth(self, estimand: str) -> float:
        return {"ATE": self.ate, "ATT": self.att}[estimand.upper()]


def wheel_path(download: bool = True) -> Path:
    """The causallib wheel under benchmarks/out/wheels/, downloaded there when missing."""
    path = WHEELS / WHEEL_NAME
    if path.exists() or not download:
        return path
    WHEELS.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                    f"causallib=={VERSION}", "-d", str(WHEELS)], check=True,
                   stdout=subprocess.DEVNULL)
    if not path.exists():
        raise FileNotFoundError(f"pip download did not leave {path}")
    return path


def _read(zf: zipfile.ZipFile, name: str) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(zf.read(PREFIX + name)))


def load(number: int, wheel: Path | None = None) -> Instance:
    """Instance ``number`` (1-10): covariates, ``z`` and the observed ``y``, with its truths."""
    if not 1 <= number <= 10:
        raise ValueError(f"causallib ships instances 1-10, got {number}")
    with zipfile.ZipFile(wheel or wheel_path()) as zf:
        x = _read(zf, "x.csv")
        zymu = _read(zf, f"zymu_{number}.csv")
    if len(x) != len(zymu):
        raise ValueError(f"x.csv has {len(x)} rows but zymu_{number}.csv has {len(zymu)}")
    z = zymu["z"].to_numpy().astype(int)
    y = np.where(z == 1, zymu["y1"].to_numpy(), zymu["y0"].to_numpy())
    tau = (zymu["mu1"] - zymu["mu0"]).to_numpy(dtype=float)
    data = x.copy()
    data["z"] = z
    data["y"] = y.astype(float)
    categorical = [c for c in x.columns if not pd.api.types.is_numeric_dtype(x[c])]
    return Instance(number=number, data=data, covariates=list(x.columns),
                    categorical=categorical, ate=float(tau.mean()),
                    att=float(tau[z == 1].mean()), n_treated=int(z.sum()))


def design_matrix(inst: Instance) -> np.ndarray:
    """The covariates as floats for the peers: categoricals one-hot encoded (every level kept)."""
    x = pd.get_dummies(inst.data[inst.covariates], columns=inst.categorical, drop_first=False,
                       dtype=float)
    return x.to_numpy(dtype=float)
