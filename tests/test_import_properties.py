"""Property tests: the reader and the mapper take anything (random headers, encodings, delimiters, cells,
bytes) without an unhandled error, and an import either writes whole rows that add up or nothing."""
from __future__ import annotations

import csv
import io

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from contacts.imports import ColumnMapping, FileProblem, Options, TableSource, import_file, read_source
from contacts.imports.mapping import PHONE, TARGETS
from contacts.models import Contact, ImportBatch, ImportRow

HEADER_WORDS = ["Phone", "Mobile", "Cell", "Phone Number", "Telefon", "First Name", "Given Name", "Family Name",
                "Last Name", "E-mail 1 - Value", "Email", "Organization Name", "Company Name", "Job Title", "Country",
                "Notes", "Fax", "Record ID", "Phone 1 - Value", "Business Phone", "Home Phone", "Name", ""]
PHONE_CELLS = ["+1 415 555 0100", "(202) 555-0143", "415-555-0166", "12", "n/a", "", "1.20255E+10", "'+12025550191",
               "+49 30 23125 456", "030 23125457", "tel:+1-202-555-0110", "+1 202-555-0143 ::: +1 202-555-0175",
               "+44 20 7946 0018", "555-1234", "+1 (999) 555-0100", "0049 30 23125465", "+1 212 555 01"]

headers_st = st.lists(st.one_of(st.sampled_from(HEADER_WORDS), st.text(max_size=30)), min_size=1, max_size=12)
cell_st = st.one_of(st.sampled_from(PHONE_CELLS), st.text(max_size=40),
                    st.from_regex(r"[+(]?[0-9 ()\-.]{0,18}", fullmatch=True))
encodings = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-16-le"])
delimiters = st.sampled_from([",", ";", "\t", "|"])


@st.composite
def tables(draw, with_phone: bool = False):
    headers = draw(headers_st)
    if with_phone:  # mostly files a person would import: a phone column and some rows
        headers.insert(draw(st.integers(0, len(headers))), draw(st.sampled_from(["Phone", "Mobile", "Cell"])))
    width = len(headers)
    rows = draw(st.lists(st.lists(cell_st, min_size=width, max_size=width), min_size=int(with_phone), max_size=25))
    delimiter = draw(delimiters)
    encoding = draw(encodings)
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator=newline)
    writer.writerow(headers)
    writer.writerows(rows)
    text = buffer.getvalue()
    if draw(st.booleans()):  # report title and totals around the table
        text = f"Contacts export{newline}{newline}{text}{newline}Grand Totals{delimiter}42{newline}"
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 9:  # a truncated upload
        data = data[: draw(st.integers(1, max(1, len(data))))]
    return headers, rows, data


def read_all(data: bytes) -> tuple[list[str], int] | FileProblem:
    try:
        opened = read_source(TableSource.from_bytes(data, "x.csv"))
        return opened.table.headers, opened.count_rows()
    except FileProblem as problem:
        assert problem.code and problem.message
        return problem


@settings(max_examples=300, deadline=None)
@given(tables())
def test_reader_reads_or_refuses_clearly(table):
    headers, rows, data = table
    outcome = read_all(data)
    if isinstance(outcome, FileProblem):
        return
    read_headers, count = outcome
    assert read_headers and all(isinstance(h, str) and h for h in read_headers)
    assert count >= 0


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_reader_survives_arbitrary_bytes(data):
    read_all(data)


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=400), tables())
def test_reader_survives_binary_spliced_into_a_table(noise, table):
    _, _, data = table
    cut = len(data) // 2
    read_all(data[:cut] + noise + data[cut:])


@settings(max_examples=500, deadline=None)
@given(headers_st, st.lists(st.sampled_from(list(TARGETS) + ["bogus", ""]), max_size=14),
       st.lists(st.integers(-3, 20), max_size=6))
def test_mapper_always_gives_a_consistent_mapping(headers, choices, order):
    auto = ColumnMapping.auto(headers)
    assert len(auto.fields) == len(headers) and set(auto.fields) <= set(TARGETS)
    assert sorted(auto.phone_order) == auto.columns_for(PHONE)
    changed = auto.with_fields(choices, order)
    assert len(changed.fields) == len(headers) and set(changed.fields) <= set(TARGETS)
    assert sorted(changed.phone_order) == changed.columns_for(PHONE)
    assert len(set(changed.phone_order)) == len(changed.phone_order)
    again = ColumnMapping.from_json(changed.to_json(), headers)
    assert (again.fields, again.phone_order) == (changed.fields, changed.phone_order)
    build = changed.compile()
    record = build([f"v{i}" for i in range(len(headers))])
    assert isinstance(record["phone"], list)


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(table=st.one_of(tables(with_phone=True), tables()))
def test_import_writes_whole_rows_that_add_up_or_nothing(workspace, table):
    _, _, data = table
    with transaction.atomic():
        try:
            result = import_file(workspace=workspace, source=TableSource.from_bytes(data, "x.csv"),
                                 options=Options())
        except FileProblem as problem:
            event(f"refused: {problem.code}")
            assert not Contact.objects.exists() and not ImportBatch.objects.exists()
        else:
            counts = result.as_counts()
            event("imported some rows" if counts["imported"] else "imported nothing")
            assert counts["rows"] == counts["imported"] + counts["duplicates_skipped"] + counts["invalid_skipped"]
            contacts = list(Contact.objects.filter(workspace=workspace))
            assert len(contacts) == counts["imported"]
            assert all(c.phone.startswith("+") and c.phone[1:].isdigit() for c in contacts)
            assert len({c.phone for c in contacts}) == len(contacts)
            skipped = ImportRow.objects.filter(batch=result.batch).count()
            assert skipped == counts["duplicates_skipped"] + counts["invalid_skipped"]
        transaction.set_rollback(True)


def test_strategy_produces_importable_tables():
    """Guards the properties above against a strategy that only ever produces refusals."""
    sample = [
        b"Phone,Name\n+1 415 555 0100,Ada\n",
        "Mobile;Given Name\n(202) 555-0143;Zoë\n".encode("cp1252"),
        "Phone\tName\n+44 20 7946 0018\tBo\n".encode("utf-16"),
    ]
    for data in sample:
        outcome = read_all(data)
        assert not isinstance(outcome, FileProblem), outcome
        assert outcome[1] == 1
