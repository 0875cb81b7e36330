"""`flask organisations import FILE`: the real Saarland file, idempotence, and all-or-nothing on bad rows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Organisation, OrganisationKind, OrganisationLevel
from tests.factories import OrganisationFactory

SAARLAND_CSV = Path(__file__).resolve().parent.parent / "app" / "data" / "saarland-organisations.csv"
HEADER = "name,short_name,kind,level,parent,ags\n"


def _count(**filters) -> int:
    query = select(func.count()).select_from(Organisation).filter_by(**filters)
    return db.session.scalar(query)


def _import(runner, path: Path):
    return runner.invoke(args=["organisations", "import", str(path)])


def _write(tmp_path: Path, text: str, name: str = "organisations.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_the_saarland_file_imports_73_organisations(runner):
    result = _import(runner, SAARLAND_CSV)
    assert result.exit_code == 0, result.output
    assert "73 created, 0 updated, 0 unchanged." in result.output
    assert _count() == 73
    assert _count(kind=OrganisationKind.MUNICIPALITY) == 52
    assert _count(kind=OrganisationKind.DISTRICT) == 6
    assert _count(level=OrganisationLevel.STATE) >= 4

    municipalities = db.session.scalars(select(Organisation).filter_by(kind=OrganisationKind.MUNICIPALITY)).all()
    assert all(m.parent is not None and m.parent.kind is OrganisationKind.DISTRICT for m in municipalities)
    saarbruecken = db.session.scalars(select(Organisation).where(Organisation.name.like("Saarbr%cken"))).one()
    assert saarbruecken.parent.name == "Regionalverband Saarbrücken"
    districts = db.session.scalars(select(Organisation).filter_by(kind=OrganisationKind.DISTRICT)).all()
    assert all(d.ags and d.ags.isdigit() and 2 <= len(d.ags) <= 8 for d in districts)
    assert sum(len(d.children) for d in districts) == 52


def test_importing_twice_creates_nothing_new(runner):
    assert _import(runner, SAARLAND_CSV).exit_code == 0
    ids = set(db.session.scalars(select(Organisation.id)))
    result = _import(runner, SAARLAND_CSV)
    assert result.exit_code == 0, result.output
    assert "0 created, 0 updated, 73 unchanged." in result.output
    db.session.expire_all()
    assert set(db.session.scalars(select(Organisation.id))) == ids


def test_a_changed_row_updates_the_organisation(runner, tmp_path):
    assert _import(runner, SAARLAND_CSV).exit_code == 0
    changed = SAARLAND_CSV.read_text(encoding="utf-8").replace(
        "Staatskanzlei des Saarlandes,STK,", "Staatskanzlei des Saarlandes,StK,"
    )
    result = _import(runner, _write(tmp_path, changed))
    assert result.exit_code == 0, result.output
    assert "0 created, 1 updated, 72 unchanged." in result.output
    db.session.expire_all()
    assert (
        db.session.scalars(select(Organisation).filter_by(name="Staatskanzlei des Saarlandes")).one().short_name
        == "StK"
    )


def test_rows_may_refer_to_a_parent_further_down_or_already_stored(runner, tmp_path):
    OrganisationFactory(name="Landkreis Alt", kind=OrganisationKind.DISTRICT, ags="10043")
    path = _write(
        tmp_path,
        HEADER
        + "Gemeinde Eins,,municipality,municipal,Landkreis Neu,10044111\n"
        + "Landkreis Neu,LKN,district,municipal,,10044\n"
        + "Gemeinde Zwei,,municipality,municipal,Landkreis Alt,10043111\n",
    )
    result = _import(runner, path)
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output
    one = db.session.scalars(select(Organisation).filter_by(name="Gemeinde Eins")).one()
    two = db.session.scalars(select(Organisation).filter_by(name="Gemeinde Zwei")).one()
    assert one.parent.name == "Landkreis Neu"
    assert two.parent.name == "Landkreis Alt"


def test_a_file_with_bad_rows_imports_nothing_and_names_every_bad_line(runner, tmp_path):
    OrganisationFactory(name="Schon da")
    before = _count()
    path = _write(
        tmp_path,
        HEADER
        + "Gemeinde Gut,,municipality,municipal,,10041111\n"  # line 2: fine
        + "Burg Falsch,,castle,municipal,,\n"  # line 3: bad kind
        + "Gemeinde Buchstaben,,municipality,municipal,,10a41\n"  # line 4: letters in the AGS
        + "Gemeinde Waise,,municipality,municipal,Landkreis Nirgendwo,\n"  # line 5: unknown parent
        + "Gemeinde Gut,,municipality,municipal,,\n"  # line 6: duplicate name
        + "Gemeinde Lang,,municipality,municipal,,,zu viel\n"  # line 7: too many columns
        + "Gemeinde Kurz,,municipality\n"  # line 8: missing column values
        + ",,municipality,municipal,,\n"  # line 9: empty name
        + "Gemeinde Zu Lang,,municipality,municipal,,123456789\n"  # line 10: AGS too long
        + "Gemeinde Ebene,,municipality,federal,,\n",  # line 11: bad level
    )
    result = _import(runner, path)
    assert result.exit_code == 1
    assert "Nothing was imported." in result.output
    for line in (3, 4, 5, 6, 7, 8, 9, 10, 11):
        assert re.search(rf"^Line {line}: ", result.output, re.M), f"line {line} not reported:\n{result.output}"
    assert not re.search(r"^Line 2: ", result.output, re.M)
    assert "castle" in result.output
    assert "Landkreis Nirgendwo" in result.output
    assert "line 2" in result.output  # the duplicate points at its first appearance
    db.session.expire_all()
    assert _count() == before


def test_wrong_header_is_refused(runner, tmp_path):
    path = _write(tmp_path, "name,kind,level\nGemeinde X,municipality,municipal\n")
    result = _import(runner, path)
    assert result.exit_code == 1
    assert "Line 1: the columns must be: name, short_name, kind, level, parent, ags." in result.output
    assert _count() == 0


def test_empty_file_is_refused(runner, tmp_path):
    result = _import(runner, _write(tmp_path, ""))
    assert result.exit_code == 1
    assert "Line 1:" in result.output
    assert _count() == 0


def test_parent_loop_in_the_file_imports_nothing(runner, tmp_path):
    path = _write(
        tmp_path,
        HEADER + "A,,other,other,B,\n" + "B,,other,other,A,\n" + "C,,other,other,C,\n",
    )
    result = _import(runner, path)
    assert result.exit_code == 1
    assert "Line 4: " in result.output  # C is its own parent
    assert _count() == 0
    result = _import(runner, _write(tmp_path, HEADER + "A,,other,other,B,\n" + "B,,other,other,A,\n"))
    assert result.exit_code == 1
    assert re.search(r"^Line [23]: .*loop", result.output, re.M), result.output
    db.session.expire_all()
    assert _count() == 0


def test_a_file_that_would_loop_with_stored_rows_imports_nothing(runner, tmp_path):
    b = OrganisationFactory(name="B", kind=OrganisationKind.OTHER, level=OrganisationLevel.OTHER)
    OrganisationFactory(name="A", kind=OrganisationKind.OTHER, level=OrganisationLevel.OTHER, parent=b)
    result = _import(runner, _write(tmp_path, HEADER + "B,,other,other,A,\n" + "New,,other,other,,\n"))
    assert result.exit_code == 1
    assert "Line 2: " in result.output
    db.session.expire_all()
    assert _count() == 2
    assert db.session.scalars(select(Organisation).filter_by(name="B")).one().parent is None


def test_non_utf8_file_gets_a_clear_error(runner, tmp_path):
    text = HEADER + "Gemeinde Großrosseln,,municipality,municipal,,10041\n"
    result = _import(runner, _write(tmp_path, text, encoding="latin-1"))
    assert result.exit_code == 1
    assert "not UTF-8" in result.output
    assert "Traceback" not in result.output
    assert _count() == 0


def test_utf8_with_byte_order_mark_is_accepted(runner, tmp_path):
    text = HEADER + "Gemeinde Großrosseln,,municipality,municipal,,10041\n"
    result = _import(runner, _write(tmp_path, text, encoding="utf-8-sig"))
    assert result.exit_code == 0, result.output
    assert _count(name="Gemeinde Großrosseln") == 1


def test_missing_file_is_refused(runner, tmp_path):
    result = _import(runner, tmp_path / "missing.csv")
    assert result.exit_code == 2
    assert "does not exist" in result.output


@pytest.mark.parametrize("line", ["  Gemeinde Leer  ,  GL ,municipality , municipal,, 10041 \n"])
def test_values_are_trimmed(runner, tmp_path, line):
    result = _import(runner, _write(tmp_path, HEADER + line))
    assert result.exit_code == 0, result.output
    organisation = db.session.scalars(select(Organisation)).one()
    assert (organisation.name, organisation.short_name, organisation.ags) == ("Gemeinde Leer", "GL", "10041")
