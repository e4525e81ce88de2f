"""bench/load/report.py on canned samples: the steady window, sign-ins apart, percentiles and the target verdicts."""
import importlib.util
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "bench" / "load" / "report.py"
_spec = importlib.util.spec_from_file_location("load_report", _PATH)
report = importlib.util.module_from_spec(_spec)
sys.modules["load_report"] = report  # dataclasses look their module up while the class is built
_spec.loader.exec_module(report)
Sample = report.Sample


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(100, 0, -1)]  # 1..100, unsorted
    assert (report.percentile(values, 50), report.percentile(values, 95), report.percentile(values, 99)) == (
        50.0, 95.0, 99.0)
    assert report.percentile([7.0], 99) == 7.0
    assert report.percentile([], 95) == 0.0


def _mixed_samples() -> list:
    """Users sign in until t=1003 s; list requests every 0.1 s from t=1000 to 1020, three slow and one failed."""
    samples = [Sample("sign in: form", 1000.0, 50.0, True), Sample("sign in: POST", 1001.0, 2000.0, True)]
    for i in range(200):
        start = 1000.0 + i * 0.1
        samples.append(Sample("dashboard list", start, 900.0 if i in (150, 151, 152) else 20.0, i != 160))
    samples.append(Sample("API list", 1010.0, 10.0, True))
    return samples


def test_summarize_counts_only_the_steady_window_and_sign_ins_apart():
    phase = report.summarize(_mixed_samples(), begin=1002.0, end=1020.0)
    # The last sign-in ends at 1003 s, later than the measuring began: the window starts there.
    rows = {r.name: r for r in phase.rows}
    assert set(rows) == {"dashboard list", "API list"}
    assert rows["dashboard list"].count == 170  # starts at 1003.0 .. 1019.9
    assert rows["dashboard list"].failures == 1
    assert rows["dashboard list"].median == 20.0
    assert rows["dashboard list"].p99 == 900.0
    assert phase.outside_requests == 30
    assert [(r.name, r.count) for r in phase.sign_ins] == [("sign in: form", 1), ("sign in: POST", 1)]
    assert phase.window_seconds == pytest.approx(17.0)
    assert phase.throughput == pytest.approx(171 / 17.0)


def test_summarize_without_sign_ins_counts_requests_started_in_the_window():
    samples = [Sample("login page (signed out)", 100.0 + i * 0.01, 5.0, True) for i in range(1000)]
    phase = report.summarize(samples, begin=104.995, end=108.995)  # after warm-up, before the stop
    assert phase.rows[0].count == 400
    assert phase.outside_requests == 600
    assert phase.sign_ins == []
    assert phase.throughput == pytest.approx(100.0)


def _verdicts(text: str) -> dict[str, str]:
    table = text.split("measure", 1)[1].splitlines()[2:]
    return {line.split(":")[0]: line.rsplit(" ", 1)[-1] for line in table if line.endswith((" ok", " MISSED"))}


def test_render_meets_targets_when_figures_do():
    ceiling = report.summarize([Sample("login page (signed out)", 100 + i * 0.01, 4.0, True) for i in range(1000)],
                               100, 110)
    mixed = report.summarize([Sample("API list", 100 + i * 0.015, 30.0, True) for i in range(1000)], 100, 115)
    text = report.render(ceiling, mixed, report.ImportRun(10_000, 4.0, 9_000), report.ImportRun(10_000, 6.0, 9_000),
                         heading="Load test", command="bench/load/run.py --users 2", load_before="load average: 1.0")
    verdicts = _verdicts(text)
    assert set(verdicts.values()) == {"ok"}, text
    assert "66.7 / 100.0 req/s = 0.67x" in text
    assert "idle 2,500 rows/s, under load 1,667 rows/s = 67%" in text
    assert "Reproduce: bench/load/run.py --users 2" in text
    assert "uptime before: load average: 1.0" in text


def test_render_misses_each_target_the_figures_miss():
    ceiling = report.summarize([Sample("login page (signed out)", 100 + i * 0.01, 4.0, True) for i in range(1000)],
                               100, 110)
    mixed = report.summarize(
        [Sample("search (short word)", 100 + i * 0.1, 600.0 if i % 10 == 0 else 40.0, i != 5) for i in range(100)]
        + [Sample("sign in: POST", 99.0, 700.0, False)], 99, 110)
    text = report.render(ceiling, mixed, report.ImportRun(10_000, 4.0, 9_000),
                         report.ImportRun(10_000, 10.0, 9_000, overlapped=False), heading="Load test", command="x",
                         notes=("locust: CPU usage above 90%!",))
    verdicts = _verdicts(text)
    assert verdicts["mixed / ceiling throughput"] == "MISSED"
    assert verdicts["worst p95 of a request type (mixed)"] == "MISSED"
    assert verdicts["worst p99 of a request type (mixed)"] == "MISSED"
    assert verdicts["failures (both phases, sign-ins included)"] == "MISSED"  # the failed sign-in counts
    assert verdicts["import of 10,000 rows"] == "MISSED"
    assert "outlasted the load with no progress during it" in text
    assert "Note: locust: CPU usage above 90%!" in text
    assert "(sign in: POST)" in text  # listed apart, under the phase


def test_import_under_load_is_measured_while_the_load_ran():
    progress = [(10.0 + i, 1_000 * i) for i in range(1, 11)]  # 1,000 rows a second after 10 s of start-up
    whole = report.import_under_load((5.0, 21.0, 10_000, progress), 10_000, load_ended=30.0)
    assert (whole.rows, whole.seconds, whole.of_rows) == (10_000, 16.0, 0)
    outlasted = report.import_under_load((5.0, 21.0, 10_000, progress), 10_000, load_ended=16.5)
    assert (outlasted.rows, outlasted.seconds, outlasted.of_rows) == (6_000, 11.0, 10_000)
    unseen = report.import_under_load((5.0, 21.0, 10_000, progress), 10_000, load_ended=10.5)
    assert not unseen.overlapped
    idle = report.ImportRun(10_000, 8.0, 10_000)
    text = report.render(report.Phase([], [], 1.0, 0), report.Phase([], [], 1.0, 0), idle, outlasted,
                         heading="Load test", command="x")
    assert "under load 545 rows/s = 44% (while the load ran: 6,000 of 10,000 rows in 11 s)" in text


def test_an_import_stopped_after_the_load_keeps_its_rate_and_skips_the_count_check():
    progress = [(12.0, 5_000)]
    stopped = report.import_under_load((5.0, 60.0, -1, progress), 10_000, load_ended=20.0)
    idle = report.ImportRun(10_000, 8.0, 10_000)
    text = report.render(report.Phase([], [], 1.0, 0), report.Phase([], [], 1.0, 0), idle, stopped,
                         heading="Load test", command="x")
    assert "under load 714 rows/s = 57% (while the load ran: 5,000 of 10,000 rows in 7 s; then stopped)" in text
    assert "import counts differ" not in text
