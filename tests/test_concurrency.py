"""One Vetter shared by many threads gives exactly the reports of a serial run (issue 9).

Sixteen threads share one Vetter per engine and run thousands of checks over every example project,
each at a different as-of date (inside and outside the packs' covered period, before and after the
dated thresholds change); every report's JSON must be byte-identical to the serial run's.
"""

from __future__ import annotations

import random
import threading
from datetime import date
from pathlib import Path

import pytest

from heshan_vetting import Project, Vetter
from heshan_vetting.engines.durable.host import unavailable_reason

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples" / "projects").glob("*.toml"))
DATES = [
    None,  # the project's application date, else today
    date(2008, 1, 30),
    date(2023, 6, 24),
    date(2023, 6, 25),
    date(2024, 1, 31),
    date(2024, 2, 1),
    date(2025, 7, 1),
    date(2028, 1, 1),
]
THREADS = 16
DURABLE_MISSING = unavailable_reason()


@pytest.mark.parametrize(
    ("engine", "rounds"),
    [
        pytest.param("native", 2, id="native"),
        pytest.param(
            "durable",
            1,
            id="durable",
            marks=[
                pytest.mark.durable,
                pytest.mark.skipif(DURABLE_MISSING is not None, reason=f"durable engine: {DURABLE_MISSING}"),
            ],
        ),
    ],
)
def test_sixteen_threads_give_the_serial_reports(engine: str, rounds: int) -> None:
    vetter = Vetter(engine=engine)
    projects: list[Project] = [p for path in EXAMPLES for p in vetter.load(path)]
    jobs = [(i, j) for i in range(len(projects)) for j in range(len(DATES))]
    serial = {(i, j): vetter.check(projects[i], as_of=DATES[j]).to_json() for i, j in jobs}
    assert len(set(serial.values())) > len(projects)  # the dates really change the reports

    results: dict[int, list[tuple[tuple[int, int], str]]] = {t: [] for t in range(THREADS)}
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def work(t: int) -> None:
        try:
            start.wait()
            for r in range(rounds):
                # each thread walks every job in its own order, so different dates run side by side
                order = list(jobs)
                random.Random(t * 1000 + r).shuffle(order)
                for key in order:
                    results[t].append((key, vetter.check(projects[key[0]], as_of=DATES[key[1]]).to_json()))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    done = [item for t in range(THREADS) for item in results[t]]
    assert len(done) == THREADS * rounds * len(jobs)
    mismatched = [key for key, text in done if text != serial[key]]
    assert mismatched == []
