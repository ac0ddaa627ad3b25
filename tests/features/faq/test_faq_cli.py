"""`multinations-bot faq export|import|status` against a database file."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bot.core.settings import Settings
from bot.features.faq.cli import register_cli


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    register_cli(parser.add_subparsers(dest="command"))
    return parser.parse_args(["faq", *argv])


async def run(settings: Settings, *argv: str) -> int:
    args = parse(*argv)
    return await args.func(args, settings)


async def test_export_edit_import_round_trip_and_a_refused_file(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(database_path=tmp_path / "bot.sqlite3")
    out = tmp_path / "po"
    assert await run(settings, "export", "--format", "po", "--out", str(out), "--language", "nl") == 0
    po = (out / "nl.po").read_text(encoding="utf-8")
    assert 'msgctxt "sfi|question"' in po and '"Language: nl\\n"' in po
    assert await run(settings, "import", str(out / "nl.po")) == 0
    assert "0 entries changed" in capsys.readouterr().out

    # A translator corrects the Dutch SFI text in Poedit and imports the file.
    lines = po.split("\n")
    for field, text in (("question", "Hoe begin ik met SFI?"),
                        ("answer", "Meld je aan bij de volwasseneneducatie van de gemeente.")):
        at = lines.index(f'msgctxt "sfi|{field}"')
        end = next(i for i in range(at, len(lines)) if lines[i].startswith("msgstr"))
        stop = end + 1
        while stop < len(lines) and lines[stop].startswith('"'):  # a long msgstr continues
            stop += 1
        lines[end:stop] = [f'msgstr "{text}"']
    (out / "nl.po").write_text("\n".join(lines), encoding="utf-8")
    assert await run(settings, "import", str(out / "nl.po")) == 0
    assert "1 entries changed" in capsys.readouterr().out

    broken = tmp_path / "de.po"
    broken.write_text(
        'msgctxt "sfi|question"\nmsgid "x"\nmsgstr "y"\n\nmsgctxt "nope|question"\nmsgid "a"\nmsgstr "b"\n',
        encoding="utf-8",
    )
    assert await run(settings, "import", str(broken)) == 1
    assert "refused, nothing was imported: de.po:6:" in capsys.readouterr().out

    assert await run(settings, "status") == 0
    status = capsys.readouterr().out
    nl_line = next(line for line in status.splitlines() if line.startswith("nl"))
    assert "current   25" in nl_line and "stale    0" in nl_line

    document = tmp_path / "faq.yaml"
    assert await run(settings, "export", "--format", "yaml", "--out", str(document)) == 0
    assert "Hoe begin ik met SFI?" in document.read_text(encoding="utf-8")
    assert await run(settings, "import", str(document)) == 0
    assert "0 entries changed" in capsys.readouterr().out
