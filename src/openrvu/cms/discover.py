"""Find the CMS files behind a path: a file, a folder (searched recursively) or an official CMS zip.

Each file is classified by its content (the header it carries, or the record shape of fixed-width files),
with its name used only as a hint for the year or release it belongs to. Twins of one file in another
format (``GPCI2025.csv`` / ``GPCI2025.xlsx``) are read once, preferring CSV because it is fastest.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TypeVar

from openrvu.cms._table import cell_text, decode_text
from openrvu.cms.anes import AnesFile, is_anes_header, parse_anes
from openrvu.cms.counties import LoccoFile, is_locco_header, parse_locco
from openrvu.cms.errors import CmsFormatError
from openrvu.cms.gpci import GpciFile, is_gpci_header, parse_gpci
from openrvu.cms.hcpcs2 import HcpcsFile, is_hcpcs2_header, parse_hcpcs2
from openrvu.cms.opps_cap import OppsCapFile, is_oppscap_header, parse_oppscap
from openrvu.cms.rvu_file import PprrvuFile, is_pprrvu_header, parse_pprrvu
from openrvu.cms.zip5 import Zip5File, looks_like_zip5, parse_zip5

PPRRVU = "pprrvu"
GPCI = "gpci"
LOCCO = "locco"
ANES = "anes"
OPPSCAP = "oppscap"
ZIP5 = "zip5"
HCPCS2 = "hcpcs2"
PAYMENT_AMOUNTS = "payment_amounts"

KIND_LABELS = {
    PPRRVU: "PPRRVU (national RVU file)",
    GPCI: "GPCI (Addendum E)",
    LOCCO: "LOCCO (locality counties)",
    ANES: "ANES (anesthesia conversion factors)",
    OPPSCAP: "OPPSCAP (OPPS imaging cap)",
    ZIP5: "ZIP5 (ZIP code to locality)",
    HCPCS2: "HCPCS Level II (ANWEB)",
    PAYMENT_AMOUNTS: "payment amounts (PFREV/PFALL)",
}

# Header tests in order: OPPSCAP before PPRRVU, since both start HCPCS,MOD.
_HEADER_TESTS: tuple[tuple[str, Callable[[list[str]], bool]], ...] = (
    (OPPSCAP, is_oppscap_header),
    (PPRRVU, is_pprrvu_header),
    (GPCI, is_gpci_header),
    (LOCCO, is_locco_header),
    (ANES, is_anes_header),
    (HCPCS2, is_hcpcs2_header),
)
_PAYMENT_RECORD = re.compile(r'^"\d{4}","\d{5}","\d{2}","[0-9A-Z]{5}"')
_DATA_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm", ".prn", ".zip", ""}
_PEEK_BYTES = 65536
_PEEK_ROWS = 40
_P = TypeVar("_P")


@dataclass(frozen=True, slots=True)
class CmsInput:
    """One CMS file found under a path, with its bytes and identity."""

    kind: str
    display: str  # what errors and reports call it: "/data/rvu26a.zip!PPRRVU26_JAN.csv"
    path: Path  # the file (or the member's name inside a zip): its suffix picks the reader
    names: list[str]  # file name, then zip and folder names, nearest first: hints for year/release
    data: bytes
    sha256: str
    container: str  # the folder or zip it came from: files of one bundle share it

    @property
    def name(self) -> str:
        """The file's own name."""
        return self.names[0]


@dataclass
class Discovery:
    """What :func:`discover` found: CMS files to read and files passed over with the reason."""

    inputs: list[CmsInput] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def classify(name: str, data: bytes) -> str | None:
    """The kind of a CMS file from its content (``None`` when it is not one we read)."""
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _classify_rows(_xlsx_peek(data))
    try:
        head = _text_head(data)
    except (CmsFormatError, OSError, EOFError, zlib.error):
        return None
    if looks_like_zip5(head):
        return None if "ZIP9" in name.upper() else ZIP5
    if _PAYMENT_RECORD.match(head):
        return PAYMENT_AMOUNTS
    try:
        rows = list(csv.reader(io.StringIO(head, newline="")))[:_PEEK_ROWS]
    except csv.Error:
        return None
    return _classify_rows(rows)


def _classify_rows(rows: Iterable[list[str]]) -> str | None:
    for cells in rows:
        for kind, test in _HEADER_TESTS:
            if test(cells):
                return kind
    return None


def _text_head(data: bytes) -> str:
    if data[:2] == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            data = stream.read(_PEEK_BYTES)
    head = data[:_PEEK_BYTES]
    text = decode_text("", head)
    # Drop a possibly cut last line so the CSV peek never sees half a record.
    return text if len(data) <= _PEEK_BYTES else text.rsplit("\n", 1)[0]


def _xlsx_peek(data: bytes) -> list[list[str]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a damaged workbook of any kind is simply not a CMS file
        return []
    try:
        if not book.worksheets:
            return []
        rows = book.worksheets[0].iter_rows(max_row=_PEEK_ROWS, values_only=True)
        return [[cell_text(v) for v in row] for row in rows]
    except Exception:  # a damaged workbook of any kind is simply not a CMS file
        return []
    finally:
        book.close()


def _names_of(path: Path) -> list[str]:
    return [path.name, *(p.name for p in path.resolve().parents if p.name)]


def discover(paths: Sequence[Path]) -> Discovery:
    """The CMS files under ``paths``. A path named explicitly must be a CMS file, a folder or a zip.

    Raises :class:`CmsFormatError` for a missing path, a damaged zip, or an explicit file we cannot
    classify (unknown layout). Files inside folders and zips that are not CMS data are reported as skipped.
    """
    found = Discovery()
    for path in paths:
        path = Path(path)
        if path.is_dir():
            files = [
                p
                for p in sorted(path.rglob("*"))
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            ]
            for child in _without_twins(found, files, str, str):
                _add_file(found, child, explicit=False)
        elif path.is_file():
            _add_file(found, path, explicit=True)
        else:
            raise CmsFormatError(path, "no such file or folder", expected="a CMS file, a folder or a CMS zip")
    return found


def _without_twins(
    found: Discovery, paths: list[_P], path_of: Callable[[_P], str], show: Callable[[_P], str]
) -> list[_P]:
    """Drop a file when a CSV of the same name sits beside it (CMS ships .csv/.xlsx/.txt twins).

    Decided by name, before reading, because opening a large XLSX only to find it is a twin costs seconds.
    """
    names = [path_of(p) for p in paths]
    csv_stems = {(_parent(n), _stem(n)): PurePosixPath(n).name for n in names if _suffix(n) == ".csv"}
    kept: list[_P] = []
    for p, n in zip(paths, names, strict=True):
        if _suffix(n) != ".csv" and (_parent(n), _stem(n)) in csv_stems:
            found.skipped.append((show(p), f"twin of {csv_stems[(_parent(n), _stem(n))]} (read that one)"))
        elif _suffix(n) not in _DATA_SUFFIXES:
            found.skipped.append((show(p), "not a data file"))
        else:
            kept.append(p)
    return kept


def _parent(path: str) -> str:
    return str(PurePosixPath(path).parent)


def _stem(path: str) -> str:
    name = PurePosixPath(path).name.lower()
    return name.rsplit(".", 1)[0] if "." in name else name


def _suffix(path: str) -> str:
    name = PurePosixPath(path).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return "." + name.rsplit(".", 1)[1] if "." in name else ""


def _add_file(found: Discovery, path: Path, *, explicit: bool) -> None:
    if path.suffix.lower() == ".zip":
        _add_zip(found, path, _read(path), str(path), _names_of(path), explicit=explicit)
        return
    data = _read(path)
    _add_bytes(found, path, data, str(path), _names_of(path), str(path.parent), explicit=explicit)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CmsFormatError(path, f"cannot read the file: {exc.strerror or exc}") from exc


def _add_bytes(
    found: Discovery,
    path: Path,
    data: bytes,
    display: str,
    names: list[str],
    container: str,
    *,
    explicit: bool,
) -> None:
    kind = classify(path.name, data)
    if kind is None:
        if explicit:
            raise CmsFormatError(
                display,
                "unknown layout: not a CMS file openrvu reads",
                line=1,
                expected="a PPRRVU, GPCI, LOCCO, ANES, OPPSCAP, ZIP5 or HCPCS Level II file, or a CMS zip",
            )
        found.skipped.append((display, "not a CMS data file openrvu reads"))
        return
    digest = hashlib.sha256(data).hexdigest()
    found.inputs.append(CmsInput(kind, display, path, names, data, digest, container))


def _add_zip(
    found: Discovery, path: Path, data: bytes, display: str, names: list[str], *, explicit: bool
) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = sorted((m for m in archive.infolist() if not m.is_dir()), key=lambda m: m.filename)
        members = [
            m
            for m in members
            if not any(p.startswith((".", "__MACOSX")) for p in PurePosixPath(m.filename).parts)
        ]
        for member in _without_twins(
            found, members, lambda m: m.filename, lambda m: f"{display}!{m.filename}"
        ):
            inner = Path(member.filename)
            content = archive.read(member)
            member_display = f"{display}!{member.filename}"
            member_names = [inner.name, *(p.name for p in inner.parents if p.name), *names]
            if inner.suffix.lower() == ".zip":
                _add_zip(found, inner, content, member_display, member_names, explicit=False)
            else:
                _add_bytes(found, inner, content, member_display, member_names, display, explicit=False)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise CmsFormatError(
            display, f"the zip file is damaged: {exc}", expected="a complete .zip file"
        ) from exc
    if explicit and not any(i.container == display for i in found.inputs):
        raise CmsFormatError(
            display,
            "the zip holds no CMS file openrvu reads",
            expected="a CMS release zip such as rvu26a.zip",
        )


Parsed = PprrvuFile | GpciFile | LoccoFile | AnesFile | OppsCapFile | Zip5File | HcpcsFile


def parse(item: CmsInput) -> Parsed:
    """Parse one discovered file with the parser of its kind (payment amount files are not parsed here)."""
    if item.kind == PPRRVU:
        return parse_pprrvu(item.path, item.data, source=item.display, names=item.names)
    if item.kind == GPCI:
        return parse_gpci(item.path, item.data, source=item.display)
    if item.kind == LOCCO:
        return parse_locco(item.path, item.data, source=item.display)
    if item.kind == ANES:
        return parse_anes(item.path, item.data, source=item.display)
    if item.kind == OPPSCAP:
        return parse_oppscap(item.path, item.data, source=item.display)
    if item.kind == ZIP5:
        return parse_zip5(item.path, item.data, source=item.display)
    if item.kind == HCPCS2:
        return parse_hcpcs2(item.path, item.data, source=item.display, names=item.names)
    raise CmsFormatError(item.display, f"openrvu does not parse {KIND_LABELS.get(item.kind, item.kind)} here")
