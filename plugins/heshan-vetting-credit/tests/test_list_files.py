"""List files are read strictly: a list that does not parse cleanly is a located error, never a shorter list.

Issue 9, defect 1: one unclosed quote swallowed every row after it, and the applicant on a later row was
approved ("checked 1 record"). Each test here reads a list through the library (``load_list`` or a
Vetter) and, for the reproduction, through the CLI in a subprocess.
"""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
from datetime import date
from importlib import metadata
from pathlib import Path

import pytest

if os.environ.get("HESHAN_REQUIRE_PLUGINS") != "1":
    pytest.importorskip(
        "heshan_vetting_credit",
        reason="heshan-vetting-credit is not installed (pip install -e plugins/heshan-vetting-credit)",
    )

import heshan_vetting_credit as credit
from heshan_vetting import InputError, UsageError, Verdict
from heshan_vetting.testing import make_vetter, sample_project
from heshan_vetting_credit.lists import load_list

LISTED = "91440784MA0000001Y"
APPLICANT = "91440784MA0000000U"
HEADER = "统一社会信用代码,名称"

# The reproduction of the issue: the quote opened on line 2 is never closed.
UNCLOSED = f'{HEADER}\n{LISTED},"某公司\n{APPLICANT},示例公司\n'


def write(tmp_path: Path, content: str | bytes, name: str = "l.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def error(path: Path) -> UsageError:
    with pytest.raises(UsageError) as info:
        load_list(path)
    assert info.value.file == str(path)
    return info.value


# -- defect 1: the reproduction ---------------------------------------------------------------------


def test_an_unclosed_quote_is_an_error_naming_the_line_not_a_shorter_list(tmp_path: Path) -> None:
    path = write(tmp_path, UNCLOSED)
    err = error(path)
    assert (err.line, err.column) == (2, 2)
    assert "The quote that opens field 2 (character 20) is not closed on this line" in err.message_en
    assert "开引号" in err.message_zh
    assert err.format("en").startswith(f"{path}:2:2: ")


def test_an_unclosed_quote_stops_the_vetter_instead_of_approving(tmp_path: Path) -> None:
    path = write(tmp_path, UNCLOSED)
    with pytest.raises(UsageError, match="not closed"):
        make_vetter(credit, options={"credit_blacklist": [path]})
    # once the quote is closed, the applicant on line 3 is found and rejected
    fixed = write(tmp_path, UNCLOSED.replace('"某公司', '"某公司"'), "fixed.csv")
    report = make_vetter(credit, options={"credit_blacklist": [fixed]}).check(
        sample_project(applicant_credit_code=APPLICANT)
    )
    assert report.verdict is Verdict.REJECT


def _installed() -> bool:
    try:
        metadata.distribution("heshan-vetting-credit")
    except metadata.PackageNotFoundError:
        return False
    return True


@pytest.mark.skipif(
    not _installed() and os.environ.get("HESHAN_REQUIRE_PLUGINS") != "1",
    reason="heshan-vetting-credit is not installed (pip install -e plugins/heshan-vetting-credit)",
)
def test_the_cli_exits_2_naming_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, UNCLOSED)
    project = tmp_path / "p.toml"
    project.write_text(
        f'id = "P1"\nname = "测试"\nindustry_code = "C3825"\napplicant_credit_code = "{APPLICANT}"\n', encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if k != "HESHAN_VETTING_DISABLE_PLUGIN_AUTOLOAD"}
    proc = subprocess.run(
        [sys.executable, "-m", "heshan_vetting", "check", str(project), "--credit-blacklist", str(path),
         "--disable-plugin", "xlsx"],
        capture_output=True, text=True, encoding="utf-8", env=env, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert f"{path}:2:2: " in proc.stderr
    assert "not closed on this line" in proc.stderr
    assert "开引号" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert "准予准入" not in proc.stdout


# -- other lists that do not parse cleanly -----------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "line", "column", "message"),
    [
        # a quote in the middle of an unquoted cell
        (f'{HEADER}\n{LISTED},某"公司\n', 2, 2, "has a quote inside it (character 21)"),
        # text after a closing quote
        (f'{HEADER}\n{LISTED},"某公司" 分公司\n', 2, 2, "has text after its closing quote"),
        # a quote opened and closed only by the end of the file: still one record per line
        (f'{HEADER}\n{LISTED},"某公司\n{APPLICANT},示例公司"\n', 2, 2, "is not closed on this line"),
        # a doubled quote at the end does not close the cell
        (f'{HEADER}\n{LISTED},"某公司""\n', 2, 2, "is not closed on this line"),
        # an unquoted comma shifts the cells
        (f"{HEADER}\n{LISTED},某公司,分公司\n", 2, 3, "This row has 3 fields but the header row (line 1) has 2"),
        (f"{HEADER}\n{LISTED}\n", 2, 2, "This row has 1 field but the header row (line 1) has 2"),
        # the code cell is empty, or holds something that is not a code
        (f"{HEADER}\n,某公司\n", 2, 1, "The credit code is empty"),
        (f'{HEADER}\n"  ",某公司\n', 2, 1, "The credit code is empty"),
        (f"{HEADER}\n9.14408E+17,某公司\n", 2, 1, "turned the code into a number"),
        (f"{HEADER}\n{LISTED}\u200b,某公司\n", 2, 1, "has 19 characters"),  # a zero-width space
        # the header row again, as when two exports are joined
        (f"{HEADER}\n{LISTED},某公司\n{HEADER}\n{APPLICANT},示例公司\n", 3, None, "repeats the header row (line 1)"),
        (f"{HEADER}\n{LISTED},某公司\n\ufeff{HEADER}\n", 3, None, "repeats the header row (line 1)"),  # with its BOM
        # a NUL character
        (f"{HEADER}\n{LISTED},某\x00公司\n", 2, None, "NUL character"),
        # separated by something other than commas
        ("sep=;\n统一社会信用代码;名称\n", 1, None, "declares the separator ';'"),
        ("统一社会信用代码;名称\n91440784MA0000001Y;某公司\n", 1, None, "separated by semicolons"),
        ("统一社会信用代码\t名称\n", 1, None, "separated by tabs"),
        ("统一社会信用代码，名称\n", 1, None, "separated by full-width commas"),
        # dates
        (f"credit_code,listed_on\n{LISTED},2024-02-30\n", 2, 2, "Expected a date"),
        # nothing at all
        ("\n \n,,\n", 1, None, "empty"),
    ],
)
def test_a_list_that_does_not_parse_cleanly_is_a_located_error(
    tmp_path: Path, content: str, line: int, column: int | None, message: str
) -> None:
    err = error(write(tmp_path, content))
    assert (err.line, err.column) == (line, column)
    assert message in err.message_en
    assert err.message_zh != err.message_en


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        # UTF-16 without a byte-order mark: every other byte is NUL
        (f"{HEADER}\n{LISTED},某公司\n".encode("utf-16-le"), 1, "NUL character"),
        # bytes that are neither UTF-8 nor GB 18030
        (f"{HEADER}\n{LISTED},".encode() + b"\x80\x80\xff\n", 2, "neither UTF-8 nor GB 18030"),
        # a UTF-8 byte-order mark in front of text that is not UTF-8
        (codecs.BOM_UTF8 + f"{HEADER}\n{LISTED},".encode() + "某公司\n".encode("gbk"), 2, "not UTF-8 text"),
        # a UTF-16 byte-order mark in front of an odd number of bytes
        (codecs.BOM_UTF16_LE + f"{HEADER}\n".encode("utf-16-le") + b"\x41", 2, "not UTF-16 text"),
    ],
)
def test_bytes_that_are_not_text_are_a_located_error(tmp_path: Path, content: bytes, line: int, message: str) -> None:
    err = error(write(tmp_path, content))
    assert err.line == line
    assert message in err.message_en


def test_a_directory_or_a_missing_file_is_named(tmp_path: Path) -> None:
    assert "not a regular file" in error(tmp_path).message_en
    assert "does not exist" in error(tmp_path / "none.csv").message_en


# -- lists that are read correctly ---------------------------------------------------------------------

ROWS = [(LISTED, "某公司"), (APPLICANT, '示例公司, "一号"')]
TEXT = f'{HEADER}\n{LISTED},某公司\n{APPLICANT},"示例公司, ""一号"""\n'


@pytest.mark.parametrize(
    "content",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + codecs.BOM_UTF8 + TEXT.encode("utf-8"),  # a mark written twice
        TEXT.encode("gb18030"),
        TEXT.encode("utf-16"),  # with its byte-order mark
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        TEXT.encode("utf-32"),
        TEXT.replace("\n", "\r\n").encode(),
        TEXT.replace("\n", "\r").encode(),
        TEXT.rstrip("\n").encode(),  # no line break at the end
    ],
    ids=["utf-8", "utf-8-bom", "utf-8-two-boms", "gb18030", "utf-16", "utf-16-be", "utf-32", "crlf", "cr", "no-eol"],
)
def test_encodings_byte_order_marks_and_line_ends(tmp_path: Path, content: bytes) -> None:
    listings = load_list(write(tmp_path, content))
    assert [(x.credit_code, x.name) for x in listings] == ROWS
    assert [x.source.rsplit(":", 1)[1] for x in listings] == ["2", "3"]


def test_blank_lines_blank_rows_spaces_and_an_excel_separator_line(tmp_path: Path) -> None:
    content = (
        "\n"
        "sep=,\n"
        " 统一社会信用代码 , 名称 ,列入日期,\n"
        "\n"
        ",,,\n"
        "  ,  ,,\n"
        f" {LISTED.lower()} ,  某公司  ,2024/1/5,\n"
        '"","",,\n'
        f' "{APPLICANT}" , "示例公司" ,2024年3月1日,备注\n'
        "   \n"
    )
    listings = load_list(write(tmp_path, content))
    assert [(x.credit_code, x.name, x.listed_on, x.source.rsplit(":", 1)[1]) for x in listings] == [
        (LISTED, "某公司", date(2024, 1, 5), "7"),
        (APPLICANT, "示例公司", date(2024, 3, 1), "9"),
    ]


def test_full_width_header_and_code(tmp_path: Path) -> None:
    content = "ｃｒｅｄｉｔ＿ｃｏｄｅ,名称\n９１４４０７８４ＭＡ００００００１Ｙ,某公司\n"
    [listing] = load_list(write(tmp_path, content))
    assert listing.credit_code == LISTED


def test_every_error_is_an_input_error() -> None:
    assert issubclass(UsageError, InputError)
