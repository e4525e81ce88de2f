"""Import benchmark: our end-to-end import vs bare phonenumbers parsing vs django-import-export, on SQLite.

Generates a CSV of mixed-format numbers (5% invalid, 5% duplicates in another format), then runs each
measurement in its own process (so each peak RSS is that phase's own) against a fresh SQLite file:

    .venv/bin/python bench/bench_import.py                 # 100,000 rows
    .venv/bin/python bench/bench_import.py --rows 1000000  # 1M rows (django-import-export on the first 100k)

    .venv/bin/python bench/bench_import.py --skip-iie --postgres postgres://postgres@127.0.0.1:5432/sa_import
                                                           # also PostgreSQL, into 1,000,000 contacts (seeded once)

Targets (issue 4): >= 15,000 rows/s end to end, >= half the bare phonenumbers rate, >= 8x django-import-export,
<= 200 MB peak RSS, and a 1M-row file within the same memory. Issue 14: the same through `manage.py import_contacts`
(a new process, start-up included), and >= 0.3x bare on PostgreSQL into a workspace holding 1,000,000 contacts.
Wall-clock ratios depend on what else the machine runs (the load average is printed); the CPU-seconds column
(each phase's processes, helpers included) is the steadier figure on a busy machine.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
HEADERS = ["First Name", "Last Name", "Email", "Company", "Phone"]
AREAS = ["201", "202", "212", "213", "305", "312", "404", "415", "503", "512", "617", "646", "702", "718", "773",
         "206", "214", "303", "470", "480", "503", "602", "619", "650", "704", "713", "720", "786", "813", "919"]
FIRST = ["Ada", "Grace", "Linus", "Zoë", "Jürgen", "Siobhán", "Mei", "Omar", "Priya", "Lucas", "Amélie", "Kwame"]
LAST = ["Lovelace", "Hopper", "Müller", "Ó Briain", "Chen", "Haddad", "Natarajan", "García", "Smith", "Okafor"]
COMPANIES = ["Acme Dental", "Park Realty", "Müller & Söhne GmbH", "", "", "Blue Sky LLC", "Smile Clinic"]
INVALID = ["12", "555-1234", "+1 (999) 555-0100", "n/a", "0000", "1.20255E+10", "+1 212 555 01", "call me"]


def us_formats(a: str, e: str, s: str) -> list[str]:
    return [f"+1 {a} {e} {s}", f"({a}) {e}-{s}", f"{a}-{e}-{s}", f"{a}.{e}.{s}", f"1 {a} {e} {s}",
            f"+1{a}{e}{s}", f"{a}{e}{s}", f"+1 ({a}) {e}-{s}"]


def generate(path: Path, rows: int, seed: int = 42) -> None:
    """rows data rows: 5% invalid, 5% an earlier number again in another format, ~8% international."""
    rng = random.Random(seed)
    used: set[str] = set()
    valid: list[tuple[str, ...]] = []
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for n in range(rows):
            roll = rng.random()
            if roll < 0.05:
                phone = rng.choice(INVALID)
            elif roll < 0.10 and valid:
                key = valid[rng.randrange(len(valid))]
                phone = rng.choice(us_formats(*key)) if len(key) == 3 else key[0].replace(" ", "")
            else:
                while True:
                    if rng.random() < 0.08:
                        if rng.random() < 0.5:
                            text = f"+44 20 7{rng.randrange(100, 1000)} {rng.randrange(1000, 10000)}"
                        else:
                            text = f"+49 30 {rng.randrange(1000, 10000)} {rng.randrange(1000, 10000)}"
                        key = (text,)
                        ident = text.replace(" ", "")
                    else:
                        a = rng.choice(AREAS)
                        e = f"{rng.randrange(2, 10)}{rng.randrange(0, 10)}{rng.randrange(2, 10)}"
                        s = f"{rng.randrange(0, 10000):04d}"
                        key, ident = (a, e, s), a + e + s
                    if ident not in used:
                        used.add(ident)
                        break
                valid.append(key)
                phone = rng.choice(us_formats(*key)) if len(key) == 3 else key[0]
            first, last = rng.choice(FIRST), rng.choice(LAST)
            writer.writerow([first, last, f"{first[0].lower()}.{n}@example.com", rng.choice(COMPANIES), phone])


def peak_mb() -> float:
    """This process's own peak RSS (VmHWM). ru_maxrss would also count the parent's pages our fork shared."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_kib(pid: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler(threading.Thread):
    """Samples this process's and its helper processes' RSS every 20 ms: the peak of their sum is what the
    import (main process + phone-parsing helper) holds at once."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop = threading.Event()
        self.peak_total = self.peak_children = 0

    def children(self) -> list[str]:
        """Our multiprocessing children (the parsing helper, the resource tracker). A child still between
        fork and exec shows the parent's command line and shares its pages: it is not counted twice."""
        found = []
        for task in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{task}/children") as handle:
                    pids = handle.read().split()
            except OSError:
                continue
            for pid in pids:
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as handle:
                        if b"multiprocessing" in handle.read():
                            found.append(pid)
                except OSError:
                    continue
        return found

    def run(self) -> None:
        while not self.stop.wait(0.02):
            children = sum(_rss_kib(pid) for pid in self.children())
            self.peak_children = max(self.peak_children, children)
            self.peak_total = max(self.peak_total, _rss_kib("self") + children)


def setup_django(db_path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartalex.settings.test")
    os.environ.setdefault("MEDIA_ROOT", str(OUT / "media"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def fresh_db(template: Path, name: str) -> Path:
    target = OUT / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copy(template, target)
    return target


def workspace():
    from contacts.models import Workspace

    return Workspace.objects.get_or_create(slug="bench", defaults={"name": "Bench"})[0]


# --- phases (each in its own process) ---------------------------------------------------------------

def phase_ours(csv_path: Path, db: Path) -> dict:
    setup_django(db)
    from contacts.imports import Options, TableSource, import_file

    ws = workspace()
    sampler = RssSampler()
    sampler.start()
    started = time.perf_counter()
    result = import_file(workspace=ws, source=TableSource.from_path(str(csv_path)), options=Options())
    elapsed = time.perf_counter() - started
    sampler.stop.set()
    sampler.join()
    main_mb = peak_mb()
    return {"rows": result.rows, "seconds": elapsed, "rate": result.rows / elapsed, "main_mb": main_mb,
            "helper_mb": sampler.peak_children / 1024,
            "peak_mb": max(sampler.peak_total / 1024, main_mb), "counts": result.as_counts()}


def phase_command(csv_path: Path, db: Path) -> dict:
    """`manage.py import_contacts` as users run it: a new process, Django start-up included, timed from outside.

    `db` is a SQLite file, or a PostgreSQL URL (the --postgres run)."""
    url = str(db) if str(db).startswith("postgres") else f"sqlite:///{db}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "smartalex.settings.local",
           "MEDIA_ROOT": str(OUT / "media")}
    started = time.perf_counter()
    out = subprocess.run([sys.executable, str(ROOT / "manage.py"), "import_contacts", str(csv_path),
                          "--workspace", "bench"], capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - started
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise SystemExit("import_contacts failed")
    counts = json.loads(out.stdout.strip().splitlines()[-1])
    return {"rows": counts["rows"], "seconds": elapsed, "rate": counts["rows"] / elapsed, "peak_mb": 0.0,
            "counts": counts}


PG_SEED_SQL = """INSERT INTO contacts_contact (workspace_id, public_id, phone, first_name, last_name, email,
     company, title, notes, status, dnc_at, metadata, created_at, updated_at, calls_count)
   SELECT %s, 'contact_s' || n, '+1' || (200 + n %% 700)::text || lpad((n %% 10000000)::text, 7, '0'),
          'First' || (n %% 5000), 'Last' || substr(md5(n::text), 1, 8), 'user' || n || '@example.com',
          'Company ' || substr(md5((n * 7)::text), 1, 6), '', '', 'active', NULL, '{}',
          now() - (n || ' seconds')::interval, now(), 0
   FROM generate_series(1, %s) AS n"""


def postgres_ready(url: str, contacts: int) -> None:
    """The PostgreSQL database migrated, with workspace `bench` holding `contacts` seeded contacts and nothing that
    an earlier run imported (its batches are deleted, so every run imports into the same 1,000,000)."""
    name = url.rsplit("/", 1)[1]
    pg = ["-h", "127.0.0.1", "-U", "postgres"]
    listed = subprocess.run(["psql", *pg, "-tAc", "SELECT datname FROM pg_database"], capture_output=True,
                            text=True, check=True).stdout.split()
    if name not in listed:
        subprocess.run(["createdb", *pg, name], check=True)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smartalex.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from contacts.models import Contact, ImportBatch, ImportRow

    call_command("migrate", verbosity=0)
    ws = workspace()
    batches = ImportBatch.objects.filter(workspace=ws)
    Contact.objects.filter(workspace=ws, import_batch__in=batches).delete()
    ImportRow.objects.filter(batch__in=batches).delete()
    batches.delete()
    have = Contact.objects.filter(workspace=ws).count()
    if have < contacts:
        print(f"seeding {contacts - have:,} contacts into PostgreSQL {name} ...", file=sys.stderr, flush=True)
        with connection.cursor() as cursor:
            cursor.execute(PG_SEED_SQL.replace("generate_series(1,", f"generate_series({have + 1},"),
                           [ws.pk, contacts])
            cursor.execute("VACUUM ANALYZE contacts_contact")


def phase_phonenumbers(csv_path: Path, db: Path) -> dict:
    import phonenumbers

    started = time.perf_counter()
    rows = valid = 0
    with csv_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        index = next(reader).index("Phone")
        for row in reader:
            rows += 1
            try:
                number = phonenumbers.parse(row[index], "US")
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                valid += 1
    elapsed = time.perf_counter() - started
    return {"rows": rows, "seconds": elapsed, "rate": rows / elapsed, "peak_mb": peak_mb(), "valid": valid}


def phase_import_export(csv_path: Path, db: Path, limit: int) -> dict:
    setup_django(db)
    import tablib
    from import_export import resources

    from contacts.models import Contact

    ws = workspace()

    class PlainContactResource(resources.ModelResource):  # django-import-export's defaults for the model
        class Meta:
            model = Contact
            fields = ("workspace", "phone", "first_name", "last_name", "email", "company")
            import_id_fields = ("workspace", "phone")

    names = {"First Name": "first_name", "Last Name": "last_name", "Email": "email", "Company": "company",
             "Phone": "phone"}
    dataset = tablib.Dataset(headers=["workspace", *names.values()])
    with csv_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for n, row in enumerate(reader):
            if n >= limit:
                break
            dataset.append([ws.pk, *(row[k] for k in names)])
    started = time.perf_counter()
    result = PlainContactResource().import_data(dataset, dry_run=False, raise_errors=False)
    elapsed = time.perf_counter() - started
    return {"rows": len(dataset), "seconds": elapsed, "rate": len(dataset) / elapsed, "peak_mb": peak_mb(),
            "errors": result.has_errors()}


def run_phase(name: str, args: list[str]) -> dict:
    """One phase in its own process; also its CPU seconds (user + system, its helper processes included), which
    other work on a busy machine does not inflate the way it inflates wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, __file__, "--phase", name, *args], capture_output=True, text=True,
                         check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"phase {name} failed")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    if data:
        data["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--iie-rows", type=int, default=100_000,
                        help="rows given to django-import-export (it is slow; default the first 100,000)")
    parser.add_argument("--skip-iie", action="store_true", help="skip django-import-export")
    parser.add_argument("--postgres", metavar="URL", help="also import with import_contacts into PostgreSQL at URL, "
                        "into a workspace holding --pg-contacts contacts (seeded once; earlier imports removed)")
    parser.add_argument("--pg-contacts", type=int, default=1_000_000)
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--csv", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.phase:
        csv_path = Path(args.csv)
        db = args.db if args.db.startswith("postgres") else Path(args.db)
        if args.phase == "ours":
            data = phase_ours(csv_path, db)
        elif args.phase == "pg-ready":
            postgres_ready(args.db, args.pg_contacts)
            data = {}
        elif args.phase == "command":
            data = phase_command(csv_path, db)
        elif args.phase == "phonenumbers":
            data = phase_phonenumbers(csv_path, db)
        elif args.phase == "migrate":
            setup_django(db)
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            workspace()  # the command imports into an existing workspace
            data = {}
        else:
            data = phase_import_export(csv_path, db, args.iie_rows)
        print(json.dumps(data))
        return

    OUT.mkdir(parents=True, exist_ok=True)
    csv_path = OUT / f"contacts_{args.rows}.csv"
    if not csv_path.exists():
        started = time.perf_counter()
        generate(csv_path, args.rows)
        print(f"generated {csv_path} ({csv_path.stat().st_size / 1_048_576:.1f} MB) in "
              f"{time.perf_counter() - started:.1f}s", file=sys.stderr)
    template = OUT / "template.sqlite3"
    if not template.exists():
        run_phase("migrate", ["--csv", str(csv_path), "--db", str(template)])

    results = {}
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    results["phonenumbers"] = run_phase("phonenumbers", ["--csv", str(csv_path), "--db", "-"])
    if args.postgres:
        run_phase("pg-ready", ["--csv", str(csv_path), "--db", args.postgres, "--pg-contacts", str(args.pg_contacts)])
        load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
        results["phonenumbers"] = run_phase("phonenumbers", ["--csv", str(csv_path), "--db", "-"])
        results["pg"] = run_phase("command", ["--csv", str(csv_path), "--db", args.postgres])
    results["command"] = run_phase("command", ["--csv", str(csv_path), "--db", str(fresh_db(template, "command"))])
    results["ours"] = run_phase("ours", ["--csv", str(csv_path), "--db", str(fresh_db(template, "ours"))])
    if not args.skip_iie:
        results["iie"] = run_phase("iie", ["--csv", str(csv_path), "--db", str(fresh_db(template, "iie")),
                                           "--iie-rows", str(min(args.iie_rows, args.rows))])

    ours, bare = results["ours"], results["phonenumbers"]
    print(f"\nImport benchmark, SQLite, {args.rows:,} rows ({csv_path.stat().st_size / 1_048_576:.1f} MB CSV, "
          "5% invalid, 5% duplicates)\n")
    print(f"| {'measurement':<45} | {'rows':>9} | {'seconds':>8} | {'rows/s':>9} | {'CPU s':>7} | "
          f"{'peak RSS MB':>11} |")
    print(f"|{'-' * 47}|{'-' * 11}|{'-' * 10}|{'-' * 11}|{'-' * 9}|{'-' * 13}|")
    labels = {"pg": f"import_contacts, PostgreSQL, {args.pg_contacts / 1e6:g}M already",
              "command": "manage.py import_contacts (process, start-up)",
              "ours": "SmartAlex import_file (in-process, SQLite)",
              "phonenumbers": "bare phonenumbers parse+valid+E164", "iie": "django-import-export import_data"}
    for key in ("pg", "command", "ours", "phonenumbers", "iie"):
        if key in results:
            r = results[key]
            peak = f"{r['peak_mb']:>11.0f}" if r["peak_mb"] else f"{'-':>11}"
            print(f"| {labels[key]:<45} | {r['rows']:>9,} | {r['seconds']:>8.2f} | {r['rate']:>9,.0f} | "
                  f"{r['cpu']:>7.2f} | {peak} |")
    print()
    command = results["command"]
    checks = [
        ("import_contacts (start-up included) >= 15,000 rows/s", command["rate"] >= 15_000,
         f"{command['rate']:,.0f}"),
        ("import_contacts (start-up included) >= half of bare phonenumbers", command["rate"] >= bare["rate"] / 2,
         f"{command['rate'] / bare['rate']:.2f}x of bare"),
        ("end to end >= 15,000 rows/s", ours["rate"] >= 15_000, f"{ours['rate']:,.0f}"),
        ("end to end >= half of bare phonenumbers", ours["rate"] >= bare["rate"] / 2,
         f"{ours['rate'] / bare['rate']:.2f}x of bare"),
        ("peak RSS <= 200 MB", ours["peak_mb"] <= 200, f"{ours['peak_mb']:.0f} MB"),
    ]
    if "iie" in results:
        ratio = ours["rate"] / results["iie"]["rate"]
        checks.append(("end to end >= 8x django-import-export", ratio >= 8, f"{ratio:.1f}x"))
    if "pg" in results:
        pg = results["pg"]
        checks.append((f"PostgreSQL into {args.pg_contacts:,} contacts >= 0.3x bare", pg["rate"] >= 0.3 * bare["rate"],
                       f"{pg['rate'] / bare['rate']:.2f}x of bare ({pg['rate']:,.0f} rows/s); CPU "
                       f"{bare['cpu'] / pg['cpu']:.2f}x"))
    cpu_ratio = bare["cpu"] / command["cpu"]
    checks.append(("(CPU, load-independent) import_contacts rows per CPU-second >= half of bare", cpu_ratio >= 0.5,
                   f"{cpu_ratio:.2f}x of bare (all of its processes' CPU, start-up included)"))
    for label, ok, value in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}: {value}")
    print(f"\nours: peak RSS {ours['main_mb']:.0f} MB main process, {ours['helper_mb']:.0f} MB phone-parsing helper; "
          "the table shows the peak of both together")
    print(f"counts: {json.dumps(ours['counts'])}")
    print(f"load average (uptime) before the run: {load_before}")
    print(f"load average (uptime) after the run: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f} on {os.cpu_count()} cores")
    skip = (" --skip-iie" if args.skip_iie else "") + (f" --postgres {args.postgres}" if args.postgres else "")
    print(f"reproduce: .venv/bin/python bench/bench_import.py --rows {args.rows}{skip}")


if __name__ == "__main__":
    main()
