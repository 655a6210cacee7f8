"""Speed of the randomized-test readout: 20,000,000 users, 2 arms, 5 metrics with CUPED.

The file (made once with DuckDB SQL, deterministic: every random draw is a hash of the row
number, cached under benchmarks/out/): one row per user with ``user_id``, ``variant``
('control' / 'treatment', 50/50), two proportions (``converted``, ``clicked``), two means
(``revenue``, ``sessions``), ``orders`` (for the ratio AOV = revenue / orders) and one
pre-period covariate per column (``*_pre``), all driven by a latent engagement score so the
pre-period predicts the outcome; the treatment has a small true lift on every metric.

Each tool is timed as a whole process under ``/usr/bin/time -v`` (wall clock, peak RSS), the
tools interleaved within each round (their order rotated between rounds), median of
``--repeats`` rounds after one untimed warm-up round:

* ``floor``: one hand-written DuckDB query computing exactly the sufficient statistics (per
  arm: count, the sum of each of the 10 columns and the 19 sums of products that the 5
  CUPED metrics need), fetched to Python, in a process that imports only duckdb;
* ``truelift``: ``tl.readout(path, ..., covariates=..., bayes=False)`` and ``to_dict()``;
* ``truelift-cli``: ``truelift readout PATH ... --json out.json``, when the CLI has a
  ``readout`` command (it is skipped, with a note, when it has not);
* ``tea-tasting``: tea-tasting's ``Experiment`` on an Ibis DuckDB table
  (``ibis.duckdb.connect().read_parquet(path)``), ``Mean(..., covariate=...)`` for the four
  column metrics and ``RatioOfMeans(..., numer_covariate=, denom_covariate=)`` for AOV;
* ``pandas``: pandas reads the 11 columns; CUPED and Welch t-tests by hand with NumPy and
  ``scipy.stats.ttest_ind``; the ratio by the delta method (a plain, naive implementation).

truelift runs in the project venv (``.venv``), the peers in ``benchmarks/.venv-peers``
(see requirements-peers.txt). The estimates of the tools are cross-checked (point estimate and
standard error of every lift, also against the same formulas evaluated on the floor's sums).
Writes the subsection of its ``--rows`` in its section of benchmarks/RESULTS.md.

    .venv/bin/python benchmarks/speed_readout.py                   # 20,000,000 rows, ~2 min
    .venv/bin/python benchmarks/speed_readout.py --rows 10000000
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _results

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
SECTION = "speed_readout"
PROJECT_PY = ROOT / ".venv" / "bin" / "python"
PROJECT_CLI = ROOT / ".venv" / "bin" / "truelift"
PEERS_PY = HERE / ".venv-peers" / "bin" / "python"
RAW = OUT / "speed_readout.json"
GOAL_WALL = 4.0  # s, truelift at 20,000,000 rows
GOAL_RSS = 1e9 / 2**20  # 1 GB in MiB
GOAL_FLOOR = 1.3  # truelift / floor
ISSUE_REFERENCE = (
    "at 10,000,000 rows the issue measured the floor at about 1.2 s and "
    "tea-tasting at about 1.9 s on this machine"
)

METRICS = ["converted", "clicked", "revenue", "sessions", "aov"]
KIND = {
    "converted": "proportion",
    "clicked": "proportion",
    "revenue": "mean",
    "sessions": "mean",
    "aov": "ratio",
}
COVARIATES = {
    "converted": ["converted_pre"],
    "clicked": ["clicked_pre"],
    "revenue": ["revenue_pre"],
    "sessions": ["sessions_pre"],
    "aov": ["revenue_pre", "orders_pre"],
}
COLUMNS = [
    "converted",
    "clicked",
    "revenue",
    "sessions",
    "orders",
    "converted_pre",
    "clicked_pre",
    "revenue_pre",
    "sessions_pre",
    "orders_pre",
]
# (metric columns, covariates) of each metric; the floor's products are the pairs within a group
GROUPS = {
    "converted": (["converted"], ["converted_pre"]),
    "clicked": (["clicked"], ["clicked_pre"]),
    "revenue": (["revenue"], ["revenue_pre"]),
    "sessions": (["sessions"], ["sessions_pre"]),
    "aov": (["revenue", "orders"], ["revenue_pre", "orders_pre"]),
}


# --------------------------------------------------------------------------------------- data
def _u(k: int) -> str:
    """A uniform draw in (0, 1), the k-th stream: a hash of the row number (deterministic)."""
    return f"((hash(i * 64 + {k}) >> 11)::DOUBLE + 0.5) / 9007199254740992.0"


def _normal(k: int) -> str:
    return f"sqrt(-2 * ln({_u(k)})) * cos(2 * pi() * {_u(k + 1)})"


def data_sql(rows: int, path: Path) -> str:
    """The generator. Engagement ``e ~ N(0, 1)`` drives every column in both periods.

    converted ~ Bernoulli(logistic(-2.8 + 1.4 e)) (x 1.03 in treatment), clicked ~
    Bernoulli(logistic(-0.8 + 1.6 e)) (x 1.01), sessions = floor(Exp(mean exp(0.9 + 0.9 e)))
    (x 1.01), orders = floor(Exp(mean 0.3 exp(0.9 e))) (x 1.02), revenue = orders x
    lognormal(3.4 + 0.3 e, 0.4) (order value x 1.01); the pre-period columns are independent
    draws with the control parameters.
    """
    lit = "'" + str(path).replace("'", "''") + "'"
    return f"""
COPY (
WITH base AS (
  SELECT i AS user_id, {_u(1)} < 0.5 AS t, {_normal(2)} AS e, {_normal(4)} AS z_pre,
         {_normal(6)} AS z_post, {_u(8)} AS u_cp, {_u(9)} AS u_c, {_u(10)} AS u_kp,
         {_u(11)} AS u_k, {_u(12)} AS u_sp, {_u(13)} AS u_s, {_u(14)} AS u_op, {_u(15)} AS u_o
  FROM range({int(rows)}) r(i)
), p AS (
  SELECT *, 1 / (1 + exp(-(-2.8 + 1.4 * e))) AS p_conv, 1 / (1 + exp(-(-0.8 + 1.6 * e))) AS p_click,
         exp(0.9 + 0.9 * e) AS lam_s, 0.3 * exp(0.9 * e) AS lam_o
  FROM base
), o AS (
  SELECT *, CAST(floor(-ln(u_op) * lam_o) AS INTEGER) AS orders_pre,
         CAST(floor(-ln(u_o) * lam_o * CASE WHEN t THEN 1.02 ELSE 1 END) AS INTEGER) AS orders
  FROM p
)
SELECT user_id,
  CASE WHEN t THEN 'treatment' ELSE 'control' END AS variant,
  CAST(u_c < p_conv * CASE WHEN t THEN 1.03 ELSE 1 END AS TINYINT) AS converted,
  CAST(u_k < p_click * CASE WHEN t THEN 1.01 ELSE 1 END AS TINYINT) AS clicked,
  round(orders * exp(3.4 + 0.3 * e + 0.4 * z_post) * CASE WHEN t THEN 1.01 ELSE 1 END, 2) AS revenue,
  CAST(floor(-ln(u_s) * lam_s * CASE WHEN t THEN 1.01 ELSE 1 END) AS INTEGER) AS sessions,
  orders,
  CAST(u_cp < p_conv AS TINYINT) AS converted_pre,
  CAST(u_kp < p_click AS TINYINT) AS clicked_pre,
  round(orders_pre * exp(3.4 + 0.3 * e + 0.4 * z_pre), 2) AS revenue_pre,
  CAST(floor(-ln(u_sp) * lam_s) AS INTEGER) AS sessions_pre,
  orders_pre
FROM o
) TO {lit} (FORMAT parquet)
"""


def make_data(rows: int, force: bool = False) -> tuple[Path, dict]:
    """The cached file of ``rows`` users (remade when the generator's SQL changed)."""
    import duckdb

    path = OUT / f"readout_{rows}.parquet"
    meta_path = path.with_suffix(".json")
    digest = hashlib.sha256(data_sql(rows, path).encode()).hexdigest()[:16]
    if path.exists() and meta_path.exists() and not force:
        meta = json.loads(meta_path.read_text())
        if meta.get("sql_sha256") == digest:
            return path, meta
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.parquet")
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute(data_sql(rows, tmp))
    tmp.replace(path)
    lit = "'" + str(path).replace("'", "''") + "'"
    arms = dict(con.execute(f"SELECT variant, count(*) FROM read_parquet({lit}) GROUP BY 1").fetchall())
    row_groups = con.execute(f"SELECT count(DISTINCT row_group_id) FROM parquet_metadata({lit})").fetchone()[
        0
    ]
    meta = {
        "rows": rows,
        "path": str(path.relative_to(ROOT)),
        "bytes": path.stat().st_size,
        "arms": arms,
        "row_groups": row_groups,
        "sql_sha256": digest,
        "duckdb": duckdb.__version__,
        "seconds": round(time.perf_counter() - started, 1),
    }
    meta_path.write_text(json.dumps(meta, indent=2))
    return path, meta


# --------------------------------------------------------------------------------------- runners
def _pairs() -> list[tuple[str, str]]:
    """The products the metrics need: every pair within a metric's (columns + covariates)."""
    out: list[tuple[str, str]] = []
    for cols, covs in GROUPS.values():
        names = [*cols, *covs]
        for i, a in enumerate(names):
            for b in names[i:]:
                pair = tuple(sorted((a, b), key=COLUMNS.index))
                if pair not in out:
                    out.append(pair)
    return out


def floor_sql(path: Path) -> str:
    lit = "'" + str(path).replace("'", "''") + "'"
    parts = ["variant", "count(*) AS n"]
    parts += [f"sum({c}) AS s__{c}" for c in COLUMNS]
    parts += [f"sum({a} * {b}) AS p__{a}__{b}" for a, b in _pairs()]
    return f"SELECT {', '.join(parts)} FROM read_parquet({lit}) GROUP BY variant"


FLOOR_CODE = """\
import time
t0 = time.perf_counter()
import duckdb
t1 = time.perf_counter()
cur = duckdb.connect().execute({sql!r})
rows = cur.fetchall()
names = [d[0] for d in cur.description]
t2 = time.perf_counter()
sums = [dict(zip(names, [v if isinstance(v, str) else float(v) for v in r])) for r in rows]
print("RESULT", repr({{"sums": sums, "phases": {{"import": t1 - t0, "query": t2 - t1}}}}))
"""

TRUELIFT_CODE = """\
import time
t0 = time.perf_counter()
import truelift as tl
t1 = time.perf_counter()
r = tl.readout({path!r}, treatment="variant", control="control",
               outcome=["converted", "clicked", "revenue", "sessions", "aov=revenue/orders"],
               covariates={covariates!r}, bayes=False)
t2 = time.perf_counter()
d = r.to_dict()
t3 = time.perf_counter()
import json
out = {{lift.metric: {{"value": lift.estimate.value, "se": lift.estimate.se,
                      "relative": lift.estimate.relative.value}} for lift in r.lifts}}
print("RESULT", json.dumps({{"lifts": out, "phases": {{"import truelift": t1 - t0,
      "readout": t2 - t1, "to_dict": t3 - t2}}}}))
"""

TEA_CODE = """\
import time
t0 = time.perf_counter()
import ibis
import tea_tasting as tt
t1 = time.perf_counter()
data = ibis.duckdb.connect().read_parquet({path!r})
experiment = tt.Experiment(
    converted=tt.Mean("converted", covariate="converted_pre"),
    clicked=tt.Mean("clicked", covariate="clicked_pre"),
    revenue=tt.Mean("revenue", covariate="revenue_pre"),
    sessions=tt.Mean("sessions", covariate="sessions_pre"),
    aov=tt.RatioOfMeans("revenue", "orders", numer_covariate="revenue_pre",
                        denom_covariate="orders_pre"),
    variant="variant",
)
result = experiment.analyze(data, control="control")
rows = result.to_dicts()
t2 = time.perf_counter()
import json
out = {{r["metric"]: {{"value": r["effect_size"], "se": r["effect_size"] / r["statistic"],
                      "relative": r["rel_effect_size"]}} for r in rows}}
print("RESULT", json.dumps({{"lifts": out, "phases": {{"import": t1 - t0,
      "read+analyze": t2 - t1}}}}))
"""

PANDAS_CODE = """\
import time
t0 = time.perf_counter()
import numpy as np
import pandas as pd
from scipy import stats
t1 = time.perf_counter()
df = pd.read_parquet({path!r}, columns=["variant", *{columns!r}])
t2 = time.perf_counter()
arms = {{v: df[df["variant"] == v] for v in ("treatment", "control")}}
out = {{}}

def cuped(name, y, x):
    # y: per-arm outcome arrays; x: per-arm covariate matrices (n x k); pooled within-arm theta
    xc = {{a: x[a] - x[a].mean(axis=0) for a in arms}}
    yc = {{a: y[a] - y[a].mean() for a in arms}}
    sxx = sum(xc[a].T @ xc[a] for a in arms)
    sxy = sum(xc[a].T @ yc[a] for a in arms)
    theta = np.linalg.solve(sxx, sxy)
    n = {{a: len(y[a]) for a in arms}}
    xbar = (x["treatment"].sum(axis=0) + x["control"].sum(axis=0)) / (n["treatment"] + n["control"])
    adj = {{a: y[a] - (x[a] - xbar) @ theta for a in arms}}
    return adj

for m, (col, cov) in {simple!r}.items():
    y = {{a: arms[a][col].to_numpy(dtype=float) for a in arms}}
    x = {{a: arms[a][[cov]].to_numpy(dtype=float) for a in arms}}
    adj = cuped(m, y, x)
    test = stats.ttest_ind(adj["treatment"], adj["control"], equal_var=False)
    diff = adj["treatment"].mean() - adj["control"].mean()
    se = float(np.sqrt(adj["treatment"].var(ddof=1) / len(adj["treatment"])
                       + adj["control"].var(ddof=1) / len(adj["control"])))
    out[m] = {{"value": float(diff), "se": se, "pvalue": float(test.pvalue),
              "relative": float(diff / (adj["control"].mean()))}}

# AOV = mean(revenue) / mean(orders): delta method, each arm linearised around its own ratio;
# CUPED on the linearised ratio with revenue_pre and orders_pre (pooled within-arm theta).
lin, ratio = {{}}, {{}}
for a in arms:
    rev = arms[a]["revenue"].to_numpy(dtype=float)
    orders = arms[a]["orders"].to_numpy(dtype=float)
    ratio[a] = rev.mean() / orders.mean()
    lin[a] = ratio[a] + (rev - ratio[a] * orders) / orders.mean()
x = {{a: arms[a][["revenue_pre", "orders_pre"]].to_numpy(dtype=float) for a in arms}}
adj = cuped("aov", lin, x)
diff = adj["treatment"].mean() - adj["control"].mean()
se = float(np.sqrt(adj["treatment"].var(ddof=1) / len(adj["treatment"])
                   + adj["control"].var(ddof=1) / len(adj["control"])))
out["aov"] = {{"value": float(diff), "se": se,
              "pvalue": float(2 * stats.norm.sf(abs(diff / se))),
              "relative": float(diff / adj["control"].mean())}}
t3 = time.perf_counter()
import json
print("RESULT", json.dumps({{"lifts": out, "phases": {{"import": t1 - t0, "read": t2 - t1,
      "compute": t3 - t2}}}}))
"""


def cli_args(path: Path, json_out: Path) -> list[str]:
    args = [str(PROJECT_CLI), "readout", str(path), "--treatment", "variant", "--control", "control"]
    for m in ["converted", "clicked", "revenue", "sessions", "aov=revenue/orders"]:
        args += ["--outcome", m]
    for m, covs in COVARIATES.items():
        args += ["--cuped", f"{m}:{','.join(covs)}"]
    return [*args, "--no-bayes", "--quiet", "--json", str(json_out)]


def cli_available() -> bool:
    if not PROJECT_CLI.exists():
        return False
    proc = subprocess.run(
        [str(PROJECT_CLI), "readout", "--help"], capture_output=True, text=True, check=False
    )
    return proc.returncode == 0


def commands(path: Path, scratch: Path) -> dict[str, list[str]]:
    simple = {m: (GROUPS[m][0][0], GROUPS[m][1][0]) for m in METRICS if m != "aov"}
    return {
        "floor": [str(PEERS_PY), "-c", FLOOR_CODE.format(sql=floor_sql(path))],
        "truelift": [str(PROJECT_PY), "-c", TRUELIFT_CODE.format(path=str(path), covariates=COVARIATES)],
        "truelift-cli": cli_args(path, scratch / "readout.json"),
        "tea-tasting": [str(PEERS_PY), "-c", TEA_CODE.format(path=str(path))],
        "pandas": [str(PEERS_PY), "-c", PANDAS_CODE.format(path=str(path), columns=COLUMNS, simple=simple)],
    }


# Byte code is cached as for any user (some shells set PYTHONDONTWRITEBYTECODE, which would make
# every run recompile truelift's own modules); the warm-up round writes it.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _seconds(text: str) -> float:
    out = 0.0
    for p in text.strip().split(":"):
        out = out * 60 + float(p)
    return out


def _cli_lifts(path: Path) -> dict:
    data = json.loads(path.read_text())
    out = {}
    for lift in data.get("lifts", []):
        est = lift["estimate"]
        rel = est.get("relative") or {}
        out[lift["metric"]] = {"value": est["value"], "se": est["se"], "relative": rel.get("value")}
    return out


def timed(name: str, cmd: list[str], scratch: Path, timeout: float) -> dict:
    """One process under /usr/bin/time -v: wall clock, peak RSS and its RESULT line."""
    json_out = scratch / "readout.json"
    if json_out.exists():
        json_out.unlink()
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            ["/usr/bin/time", "-v", *cmd],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
            check=False,
            env=ENV,
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"killed after {timeout:.0f} s", "wall": time.perf_counter() - started}
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", proc.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    out: dict = {
        "ok": proc.returncode == 0,
        "returncode": proc.returncode,
        "wall": _seconds(wall.group(1)) if wall else float("nan"),
        "rss_mib": int(rss.group(1)) / 1024 if rss else float("nan"),
    }
    # DuckDB draws a progress bar on stdout (without a final newline) when a query runs over 2 s
    lines = [ln.rsplit("RESULT ", 1)[1] for ln in proc.stdout.splitlines() if "RESULT " in ln]
    if proc.returncode == 0 and name == "truelift-cli" and json_out.exists():
        try:
            out["result"] = {"lifts": _cli_lifts(json_out)}
        except (KeyError, TypeError, ValueError) as exc:
            out["result"] = {"lifts": {}, "parse_error": repr(exc)}
    elif proc.returncode == 0 and lines:
        text = lines[-1]
        out["result"] = json.loads(text) if text.startswith('{"') else ast.literal_eval(text)
    else:
        own = proc.stderr.split("\tCommand being timed:")[0]  # the process's own stderr
        tail = [ln.strip() for ln in own.splitlines() if ln.strip()]
        out["ok"] = False
        out["error"] = " | ".join(tail[-2:])[-400:] or f"exit status {proc.returncode}"
        out["stderr"] = own[-3000:]
    return out


# --------------------------------------------------------------------------------------- checks
def _arm_moments(row: dict) -> tuple[float, dict, dict]:
    n = row["n"]
    mean = {c: row[f"s__{c}"] / n for c in COLUMNS}
    cov = {}
    for a, b in _pairs():
        v = (row[f"p__{a}__{b}"] - row[f"s__{a}"] * row[f"s__{b}"] / n) / (n - 1)
        cov[(a, b)] = cov[(b, a)] = v
    return n, mean, cov


def from_floor(sums: list[dict]) -> tuple[dict, dict]:
    """The lifts from the floor's sums, by truelift's formulas and by tea-tasting's.

    truelift: CUPED with theta pooled within arms; AOV linearised in (revenue, orders) and
    adjusted with revenue_pre and orders_pre. tea-tasting: theta from the two arms pooled into
    one sample (between-arm differences included); AOV adjusted with the single linearised
    covariate ratio revenue_pre / orders_pre.
    """
    arm = {r["variant"]: _arm_moments(r) for r in sums}
    tl, tea = {}, {}
    for m in METRICS:
        cols, covs = GROUPS[m]
        names = [*cols, *covs]
        k = len(cols)
        lin = {}
        for a, (n, mean, cov) in arm.items():
            if m == "aov":
                r = mean["revenue"] / mean["orders"]
                g = np.array([1 / mean["orders"], -r / mean["orders"]])
                value = r
            else:
                g, value = np.ones(1), mean[cols[0]]
            s = np.array([[cov[(x, y)] for y in names] for x in names])
            lin[a] = (n, value, g, s, np.array([mean[c] for c in covs]))
        # truelift: pooled within-arm theta of the linearised metric on the raw covariates
        sxx = sum((n - 1) * s[k:, k:] for n, _, _, s, _ in lin.values())
        sxf = sum((n - 1) * s[k:, :k] @ g for n, _, g, s, _ in lin.values())
        theta = np.linalg.solve(sxx, sxf)
        ntot = sum(v[0] for v in lin.values())
        xbar = sum(v[0] * v[4] for v in lin.values()) / ntot
        adj, var = {}, {}
        for a, (n, value, g, s, xm) in lin.items():
            h = np.concatenate([g, -theta])
            adj[a] = value - theta @ (xm - xbar)
            var[a] = h @ s @ h / n
        tl[m] = {
            "value": adj["treatment"] - adj["control"],
            "se": math.sqrt(var["treatment"] + var["control"]),
            "relative": adj["treatment"] / adj["control"] - 1,
        }
        tea[m] = _tea(m, arm)
    return tl, tea


def _tea(m: str, arm: dict) -> dict:
    """tea-tasting's RatioOfMeans (a Mean is numer / 1) on the arms' moments."""
    cols, covs = GROUPS[m]
    num, den = (cols[0], cols[1] if len(cols) > 1 else None)
    cnum, cden = (covs[0], covs[1] if len(covs) > 1 else None)

    def stats(n: float, mean: dict, cov: dict) -> tuple:
        def mu(c):
            return 1.0 if c is None else mean[c]

        def cv(a, b):
            return 0.0 if a is None or b is None else cov[(a, b)]

        def ratio_cov(ln, ld, rn, rd):
            lr, rr = mu(ln) / mu(ld), mu(rn) / mu(rd)
            return (cv(ln, rn) - cv(ln, rd) * rr - cv(ld, rn) * lr + cv(ld, rd) * lr * rr) / mu(ld) / mu(rd)

        return (
            mu(num) / mu(den),
            mu(cnum) / mu(cden),
            ratio_cov(num, den, num, den),
            ratio_cov(cnum, cden, cnum, cden),
            ratio_cov(num, den, cnum, cden),
        )

    (nt, mt, ct), (nc, mc, cc) = arm["treatment"], arm["control"]
    # the two arms pooled into one sample (tea-tasting's Aggregates.__add__)
    n = nt + nc
    mean = {c: (nt * mt[c] + nc * mc[c]) / n for c in COLUMNS}
    cov = {
        p: ((nt - 1) * ct[p] + (nc - 1) * cc[p] + (mt[p[0]] - mc[p[0]]) * (mt[p[1]] - mc[p[1]]) * nt * nc / n)
        / (n - 1)
        for p in ct
    }
    _, cmean, _, cvar, ccov = stats(n, mean, cov)
    theta = ccov / cvar if cvar else 0.0
    out = {}
    for a, (na, ma, ca) in arm.items():
        value, x, var, xvar, xcov = stats(na, ma, ca)
        out[a] = (value - theta * (x - cmean), (var + theta**2 * xvar - 2 * theta * xcov) / na)
    diff = out["treatment"][0] - out["control"][0]
    return {
        "value": diff,
        "se": math.sqrt(out["treatment"][1] + out["control"][1]),
        "relative": out["treatment"][0] / out["control"][0] - 1,
    }


def _rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-300)


def agreement(runs: dict[str, list[dict]]) -> dict:
    """Per metric: each tool's lift and SE, and relative differences."""
    first = {
        name: next((r["result"] for r in rs if r.get("ok") and "result" in r), None)
        for name, rs in runs.items()
    }
    out: dict = {"lifts": {n: (f or {}).get("lifts") for n, f in first.items() if n != "floor"}}
    if first.get("floor"):
        tl_f, tea_f = from_floor(first["floor"]["sums"])
        out["lifts"]["floor (truelift's formulas)"] = tl_f
        out["lifts"]["floor (tea-tasting's formulas)"] = tea_f
    return out


def max_rel(lifts: dict, a: str, b: str, metrics: list[str] | None = None) -> tuple[float, float] | None:
    la, lb = lifts.get(a), lifts.get(b)
    if not la or not lb:
        return None
    ms = [m for m in (metrics or METRICS) if m in la and m in lb]
    if not ms:
        return None
    return (
        max(_rel(la[m]["value"], lb[m]["value"]) for m in ms),
        max(_rel(la[m]["se"], lb[m]["se"]) for m in ms),
    )


# --------------------------------------------------------------------------------------- report
def _med(runs: list[dict], key: str) -> float:
    vals = [r[key] for r in runs if r.get("ok")]
    return statistics.median(vals) if vals else float("nan")


def _per_round(a: list[dict], b: list[dict]) -> list[float]:
    by_round = {r["round"]: r for r in b if r.get("ok")}
    return [r["wall"] / by_round[r["round"]]["wall"] for r in a if r.get("ok") and r["round"] in by_round]


def _ratio_text(per: list[float]) -> str:
    if not per:
        return "n/a"
    rng = f" ({min(per):.2f}–{max(per):.2f})" if len(per) > 1 else ""
    return f"{statistics.median(per):.2f}{rng}"


def _phases(runs: list[dict]) -> str:
    ok = [r for r in runs if r.get("ok") and "phases" in r.get("result", {})]
    if not ok:
        return ""
    names = list(ok[0]["result"]["phases"])
    return ", ".join(f"{k} {statistics.median(r['result']['phases'][k] for r in ok):.2f}" for k in names)


LABELS = {
    "floor": "floor: one hand-written DuckDB query (30 sums per arm), duckdb only",
    "truelift": "truelift `tl.readout(path, ..., bayes=False)` + `to_dict()`",
    "truelift-cli": "truelift CLI `truelift readout ... --json`",
    "tea-tasting": "tea-tasting `Experiment.analyze` on `ibis.duckdb.connect().read_parquet`",
    "pandas": "pandas `read_parquet` + NumPy/SciPy CUPED and Welch t-tests by hand",
}


def report(rows: int, entry: dict) -> str:
    runs, meta, inv = entry["runs"], entry["data"], entry["invocation"]
    rounds = entry["repeats"]
    lines = [
        f"### {rows:,} rows",
        "",
        f"Command: `{inv['command']}`  ",
        f"Run: {inv['run']}; took {inv['minutes']} min.  ",
        f"Versions: {inv['versions']}",
        "",
        f"Data: `{meta['path']}` ({meta['bytes'] / 2**20:.0f} MiB, {meta['rows']:,} users: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(meta["arms"].items()))
        + f"; {meta['row_groups']} row groups; made once by DuckDB in {meta['seconds']} s).",
        "",
        f"Wall clock and peak RSS of whole processes under `/usr/bin/time -v`; median of {rounds} "
        "rounds (after one untimed warm-up round), tools interleaved within each round in an "
        "order rotated between rounds; every run listed.",
        "",
        "| tool | wall median (s) | runs (s) | peak RSS median (MiB) | RSS runs (MiB) | "
        "in-process phases (median s) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, label in LABELS.items():
        r = runs.get(name)
        if not r:
            continue
        walls = " / ".join(f"{x['wall']:.2f}" if x.get("ok") else "failed" for x in r)
        rss = " / ".join(f"{x['rss_mib']:.0f}" if x.get("ok") else "failed" for x in r)
        lines.append(
            f"| {label} | {_med(r, 'wall'):.2f} | {walls} | {_med(r, 'rss_mib'):.0f} | {rss} | {_phases(r)} |"
        )
    tl = runs.get("truelift", [])
    fl = runs.get("floor", [])
    tea = runs.get("tea-tasting", [])
    pdr = runs.get("pandas", [])
    cli = runs.get("truelift-cli", [])
    lines += [
        "",
        "Ratios of wall times, each taken within a round, then the median over the rounds "
        "(range in brackets):",
        "",
        "| ratio | median (range) | per round |",
        "| --- | --- | --- |",
    ]
    ratios = [
        ("truelift / floor", tl, fl),
        ("tea-tasting / floor", tea, fl),
        ("pandas / floor", pdr, fl),
        ("truelift / tea-tasting", tl, tea),
        ("tea-tasting / truelift", tea, tl),
        ("pandas / truelift", pdr, tl),
        ("truelift CLI / floor", cli, fl),
    ]
    per: dict[str, list[float]] = {}
    for label, a, b in ratios:
        p = _per_round(a, b)
        per[label] = p
        if p:
            lines.append(f"| {label} | {_ratio_text(p)} | {' / '.join(f'{x:.2f}' for x in p)} |")
    lines += [
        "",
        "Goals (issue: 20,000,000 rows, under 4 s and 1 GB peak, within 1.3x of the floor, "
        "faster than tea-tasting):",
        "",
    ]
    wall_tl, rss_tl = _med(tl, "wall"), _med(tl, "rss_mib")
    goals = []
    if tl:
        goals.append(("truelift wall median under 4 s", f"{wall_tl:.2f} s", wall_tl < GOAL_WALL))
        goals.append(("truelift peak RSS under 1 GB (953.7 MiB)", f"{rss_tl:.0f} MiB", rss_tl < GOAL_RSS))
    if per.get("truelift / floor"):
        v = statistics.median(per["truelift / floor"])
        goals.append(
            ("truelift / floor at most 1.3 (median of per-round ratios)", f"{v:.2f}", v <= GOAL_FLOOR)
        )
    if per.get("truelift / tea-tasting"):
        v = statistics.median(per["truelift / tea-tasting"])
        goals.append(
            ("faster than tea-tasting (truelift / tea-tasting below 1 in the median)", f"{v:.2f}", v < 1.0)
        )
    for text, value, ok in goals:
        lines.append(
            f"- {text}: {value} — **{'met' if ok else 'not met'}**"
            + ("" if rows == 20_000_000 else f" (at {rows:,} rows; the goal is stated at 20,000,000)")
        )
    if rows == 10_000_000:
        lines.append(
            f"- For comparison: {ISSUE_REFERENCE}; here the floor took "
            f"{_med(fl, 'wall'):.2f} s and tea-tasting {_med(tea, 'wall'):.2f} s."
        )
    lines += [
        "",
        "Agreement of the estimates (absolute lift treatment − control, with its "
        "standard error; CUPED-adjusted), from each tool's first run:",
        "",
        "| metric | truelift lift | truelift SE | pandas lift | tea-tasting lift | "
        "tea-tasting SE | floor sums, truelift's formulas | floor sums, tea-tasting's formulas |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    lifts = entry["agreement"]["lifts"]

    def cell(tool: str, m: str, key: str = "value") -> str:
        d = (lifts.get(tool) or {}).get(m)
        return "n/a" if d is None else f"{d[key]:.6g}"

    for m in METRICS:
        lines.append(
            f"| {m} ({KIND[m]}) | {cell('truelift', m)} | {cell('truelift', m, 'se')} | "
            f"{cell('pandas', m)} | {cell('tea-tasting', m)} | {cell('tea-tasting', m, 'se')} | "
            f"{cell('floor (truelift' + chr(39) + 's formulas)', m)} | "
            f"{cell('floor (tea-tasting' + chr(39) + 's formulas)', m)} |"
        )
    lines += ["", "Largest relative differences (lift, SE) over the metrics:", ""]
    four = [m for m in METRICS if m != "aov"]
    checks = [
        ("pandas vs truelift, 5 metrics", "pandas", "truelift", METRICS),
        ("truelift CLI vs library, 5 metrics", "truelift-cli", "truelift", METRICS),
        (
            "truelift vs its formulas on the floor's sums, 5 metrics",
            "truelift",
            "floor (truelift's formulas)",
            METRICS,
        ),
        ("tea-tasting vs truelift, the 4 column metrics", "tea-tasting", "truelift", four),
        ("tea-tasting vs truelift, AOV", "tea-tasting", "truelift", ["aov"]),
        (
            "tea-tasting vs its formulas on the floor's sums, 5 metrics",
            "tea-tasting",
            "floor (tea-tasting's formulas)",
            METRICS,
        ),
    ]
    for text, a, b, ms in checks:
        d = max_rel(lifts, a, b, ms)
        if d is not None:
            lines.append(f"- {text}: {d[0]:.2e}, {d[1]:.2e}")
    lines += [
        "",
        "The four column metrics use the same CUPED estimator in every tool (the slope "
        "theta differs only in that tea-tasting pools the two arms into one sample, "
        "truelift and the pandas code pool within arms; with a small lift the two agree "
        "to about 1e-7). AOV differs by design: truelift (and the pandas code) regress the "
        "linearised ratio on the two pre-period columns revenue_pre and orders_pre, "
        "tea-tasting on the one linearised pre-period ratio revenue_pre / orders_pre; both "
        "are unbiased, so the two AOV estimates differ by noise well inside one SE, and each "
        "tool matches its own formula evaluated on the floor's sums.",
    ]
    notes = entry.get("notes", [])
    failures = [(n, x) for n, rs in runs.items() for x in rs if not x.get("ok")]
    if notes or failures:
        lines += ["", "Notes:", *[f"- {n}" for n in notes]]
        for name, x in failures:
            lines.append(f"- round {x['round']} of {name} failed: {x.get('error')}")
    return "\n".join(lines)


def _versions() -> str:
    return _results.versions((
        "duckdb", "numpy", "scipy", "pandas", "pyarrow", "ibis-framework", "tea-tasting"))


def _peers_have(module: str) -> bool:
    if not PEERS_PY.exists():
        return False
    return (
        subprocess.run([str(PEERS_PY), "-c", f"import {module}"], capture_output=True, check=False).returncode
        == 0
    )


def write(rows: int, entry: dict) -> str:
    body = report(rows, entry)
    saved = json.loads(RAW.read_text()) if RAW.exists() else {}
    parts = []
    for r in sorted({int(k) for k in saved} | {rows}, reverse=True):
        name = f"{SECTION}:{r}"
        text = body if r == rows else _results.read_section(name)
        if text is None:
            text = report(r, saved[str(r)])
        parts.append(f"<!-- {name}:start -->\n{text.strip()}\n<!-- {name}:end -->")
    head = (
        "## Speed of the randomized-test readout (`speed_readout.py`)\n\n"
        "A user-level Parquet file, 2 arms, 5 metrics with CUPED: two proportions (converted, "
        "clicked, each with its pre-period value), two means (revenue, sessions, likewise) and "
        "the ratio AOV = revenue / orders (with revenue_pre and orders_pre). Each tool is a "
        "whole process from start-up to the results (the script's docstring says what each one "
        "does; the floor sums the integer columns as integers). Each subsection is written by "
        "the run of its `--rows`; every run draws the same file for a given `--rows`."
    )
    _results.write_section(SECTION, head + "\n\n" + "\n\n".join(parts))
    return body


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--only", default=None, help="comma-separated tools (default: all): " + ", ".join(LABELS)
    )
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--force-data", action="store_true", help="remake the data file")
    parser.add_argument("--no-write", action="store_true", help="print without touching RESULTS.md")
    args = parser.parse_args(argv)
    start = time.perf_counter()

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - start:6.0f} s] {msg}", file=sys.stderr, flush=True)

    path, meta = make_data(args.rows, args.force_data)
    log(f"data {path} ({meta['bytes'] / 2**20:.0f} MiB)")
    names = list(LABELS)
    if args.only:
        names = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in names if n not in LABELS]
        if unknown:
            parser.error(f"unknown tool(s) {unknown}; choose from {list(LABELS)}")
    notes: list[str] = []
    if "truelift-cli" in names and not cli_available():
        names.remove("truelift-cli")
        notes.append(
            "the truelift CLI has no `readout` command yet (`.venv/bin/truelift readout "
            "--help` fails), so the CLI form was not timed"
        )
    for tool, module in (("tea-tasting", "tea_tasting"), ("pandas", "pandas"), ("floor", "duckdb")):
        if tool in names and not _peers_have(module):
            names.remove(tool)
            notes.append(
                f"{tool} not run: `{module}` is not importable in benchmarks/.venv-peers "
                "(install benchmarks/requirements-peers.txt there)"
            )
    # untimed warm-up: the file into the page cache, byte code compiled, lazy imports resolved
    with open(path, "rb") as fh:
        while fh.read(1 << 24):
            pass
    load_before = os.getloadavg()
    runs: dict[str, list[dict]] = {n: [] for n in names}
    with tempfile.TemporaryDirectory(prefix="speed_readout_") as tmp:
        scratch = Path(tmp)
        cmds = commands(path, scratch)
        for name in names:
            res = timed(name, cmds[name], scratch, args.timeout)
            log(
                f"warm-up {name}: "
                + (f"{res['wall']:.2f} s" if res.get("ok") else f"FAILED {res.get('error')}")
            )
        for rnd in range(args.repeats):
            order = names[rnd % len(names) :] + names[: rnd % len(names)]
            for name in order:
                res = timed(name, cmds[name], scratch, args.timeout)
                res["round"] = rnd + 1
                runs[name].append(res)
                log(
                    f"round {rnd + 1} {name}: "
                    + (
                        f"{res['wall']:.2f} s, {res['rss_mib']:.0f} MiB"
                        if res.get("ok")
                        else f"FAILED {res.get('error')}"
                    )
                )
    wall = time.perf_counter() - start
    notes.append(
        f"load average (1 min) of the machine: {load_before[0]:.2f} before the timed runs, "
        f"{os.getloadavg()[0]:.2f} after (nproc = {os.cpu_count()})"
    )
    entry = {
        "data": meta,
        "repeats": args.repeats,
        "runs": runs,
        "notes": notes,
        "agreement": agreement(runs),
        "invocation": {
            "command": _results.command_line(),
            "run": _results.machine_line(),
            "minutes": round(wall / 60, 1),
            "versions": _versions(),
        },
    }
    if args.no_write:
        print(report(args.rows, entry))
        return
    saved = json.loads(RAW.read_text()) if RAW.exists() else {}
    body = write(args.rows, entry)
    saved[str(args.rows)] = entry
    RAW.parent.mkdir(parents=True, exist_ok=True)
    RAW.write_text(json.dumps(saved, indent=2, default=str))
    print(body)


if __name__ == "__main__":
    main()
