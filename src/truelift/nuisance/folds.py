"""Cross-fitting folds that do not depend on row order: a portable hash of the unit.

Every unit gets a 128-bit key, ``MD5("<salt>:<id>")`` of the string form of its id (Rivest 1992;
the salt is the analysis's seed, so another seed draws other folds). Without an id column the key
is a hash of the row's covariates, ties broken by treatment and the outcomes' ranks, so any row
order gives the same keys (and rescaling an outcome does not move them).

* **Canonical order**: rows are sorted by key before any model sees them, so tree models get the
  same input order whatever order the caller's table was in.
* **Folds**: within each treatment arm, units are ranked by key and dealt round-robin,
  ``fold = rank_within_arm mod K``, so every fold keeps both arms in proportion (stratified
  K-fold, as in Chernozhukov et al. 2018's cross-fitting).

The same assignment is one SQL expression on any engine that has MD5 (DuckDB, Spark, BigQuery,
Snowflake, Postgres), which is what an engine path needs::

    (row_number() OVER (PARTITION BY treatment
                        ORDER BY md5(concat('<salt>', ':', CAST(id AS VARCHAR)))) - 1) % K

(The hex digest orders as the 128-bit integer here; ``ORDER BY`` the full digest is the same order.)
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence

import numpy as np

from truelift.data.prepare import Prepared
from truelift.errors import MethodError


def _id_text(value: object) -> str:
    """The string form an id is hashed by: integers and integral floats without a decimal point."""
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def id_keys(ids: np.ndarray, salt: int | str = 0) -> np.ndarray:
    """``(n, 2)`` uint64 keys: the high and low halves of ``MD5("<salt>:<id>")``."""
    prefix = f"{salt}:".encode()
    out = np.empty((len(ids), 2), dtype=np.uint64)
    for i, value in enumerate(ids):
        digest = hashlib.md5(prefix + _id_text(value).encode(), usedforsecurity=False).digest()
        out[i, 0] = int.from_bytes(digest[:8], "big")
        out[i, 1] = int.from_bytes(digest[8:], "big")
    return out


def _mix64(h: np.ndarray, salt: int) -> np.ndarray:
    """SplitMix64's finalizer of ``h XOR salt`` (Steele, Lea & Flood 2014): a bijection of the
    64-bit words, so another salt reorders the keys and equal words stay equal."""
    z = h ^ np.uint64(salt)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def value_keys(columns: Sequence[np.ndarray], salt: int | str = 0) -> np.ndarray:
    """``(n, 2)`` uint64 keys from a row's values (no id): the same rows give the same keys.

    Uses pandas' vectorised row hash, twice with two keys, each half then mixed with 64 bits of
    ``MD5(salt)`` (pandas' ``hash_key`` reaches only text columns, so without the mix the salt,
    i.e. the seed, would not move numeric rows' folds). For an all-numeric table both halves are
    bijections of one 64-bit row hash: the keys carry 64 bits there (128 with text columns).
    """
    import pandas as pd
    from pandas.util import hash_pandas_object

    frame = pd.DataFrame({f"c{j}": np.asarray(c) for j, c in enumerate(columns)})
    base = f"{salt}".encode().hex()
    digest = hashlib.md5(f"{salt}".encode(), usedforsecurity=False).digest()
    out = np.empty((len(frame), 2), dtype=np.uint64)
    for half, tag in enumerate(("a", "b")):
        key = (tag + base + "0" * 16)[:16]
        raw = hash_pandas_object(frame, index=False, hash_key=key).to_numpy(np.uint64)
        out[:, half] = _mix64(raw, int.from_bytes(digest[8 * half:8 * half + 8], "big"))
    return out


def unit_keys(ids: np.ndarray | None, values: Sequence[np.ndarray], salt: int | str = 0
              ) -> np.ndarray:
    """Keys of every unit: from ``ids`` when given, else from the row's ``values``.

    With ids, duplicated ids are broken by the row's values so the order stays total.
    """
    if ids is not None:
        keys = id_keys(ids, salt)
        if np.unique(keys, axis=0).shape[0] < keys.shape[0]:
            return np.column_stack([keys, value_keys(values, salt)])
        return keys
    return value_keys(values, salt)


def canonical_order(keys: np.ndarray) -> np.ndarray:
    """Row indices sorted by key (first column most significant)."""
    keys = np.atleast_2d(np.asarray(keys).T).T
    return np.lexsort(tuple(keys[:, j] for j in range(keys.shape[1] - 1, -1, -1)))


def hash_folds(keys: np.ndarray, t: np.ndarray, folds: int) -> np.ndarray:
    """Fold number (0..folds-1) of every row: rank by key within each arm, dealt round-robin.

    Rows that share their unit key (the first two columns: the id's hash) share a fold, so
    copies of a unit (a bootstrap resample passed with its ids) are never scored by a model
    fitted on their twin.
    """
    if folds < 2:
        raise MethodError(f"cross-fitting needs at least 2 folds, got {folds}")
    t = np.asarray(t)
    unit = np.atleast_2d(np.asarray(keys).T).T[:, :2]
    out = np.empty(t.shape[0], dtype=np.int32)
    for arm in np.unique(t):
        idx = np.flatnonzero(t == arm)
        uniq, inverse = np.unique(unit[idx], axis=0, return_inverse=True)
        if uniq.shape[0] < folds:
            raise MethodError(f"only {uniq.shape[0]} units in arm {arm}: fewer than the "
                              f"{folds} folds of cross-fitting")
        # np.unique sorts rows lexicographically: the rank of each distinct unit key
        out[idx] = (np.asarray(inverse).ravel() % folds).astype(np.int32)
    return out


def prepared_keys(ids: np.ndarray | None, t: np.ndarray, y: Mapping[str, np.ndarray],
                  x: np.ndarray, salt: int | str = 0) -> np.ndarray:
    """Keys of the rows of a validated table: the id's hash, else the covariates' hash.

    Rows with the same key (duplicated ids, or identical covariates) are ordered by treatment,
    then by the rank of each outcome, so ties never fall back on the input order; ranks (not the
    values) keep the keys unchanged when an outcome is rescaled.
    """
    columns = [x[:, j] for j in range(x.shape[1])]
    keys = id_keys(ids, salt) if ids is not None else value_keys(columns, salt)
    if np.unique(keys, axis=0).shape[0] == keys.shape[0]:
        return keys
    from scipy.stats import rankdata

    extra = [np.asarray(t, dtype=np.uint64)]
    for name in sorted(y):
        extra.append(rankdata(y[name], method="dense").astype(np.uint64))
    if ids is not None and x.shape[1]:
        extra.extend(value_keys(columns, salt).T)
    return np.column_stack([keys, *extra])


def canonicalize(data: Prepared, salt: int | str = 0) -> tuple[Prepared, np.ndarray]:
    """The validated rows in hash order (keys from the id, else the row's values), and the order.

    Any order of the same rows gives the same result, so every model downstream sees the same
    input.
    """
    keys = prepared_keys(data.ids, data.t, data.y, data.x, salt)
    order = canonical_order(keys)
    return dataclasses.replace(data, keys=keys).take(order), order


__all__ = ["canonical_order", "canonicalize", "hash_folds", "id_keys", "prepared_keys",
           "unit_keys", "value_keys"]
