"""The Welsh catalogue is complete, keeps every placeholder, matches the code and is compiled.

Welsh public bodies must offer every screen in Welsh (Welsh Language Standards), so a
string added to a template or to Python code without a Welsh translation fails here.
To bring the catalogue up to date:

    DJANGO_SETTINGS_MODULE=config.settings.test .venv/bin/python manage.py makemessages \\
        -l cy --ignore=.venv --ignore=node_modules --ignore=build --ignore="*/tests/*" \\
        --ignore=var --no-location

then translate every new or changed entry in locale/cy/LC_MESSAGES/django.po, remove any
"#, fuzzy" flag and run `make messages` to compile it.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[3]
LOCALE = ROOT / "locale"
PO_PATH = LOCALE / "cy" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

MAKEMESSAGES_IGNORES = [".venv", "node_modules", "build", "*/tests/*", "var"]
WELSH_PLURAL_FORMS = "nplurals=4; plural=(n==1) ? 0 : (n==2) ? 1 : (n != 8 && n != 11) ? 2 : 3;"

# %(name)s, %(max)d, and in python-format entries also %s and the literal %%.
NAMED_PLACEHOLDER = re.compile(r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]")
PRINTF_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
TEMPLATE_VARIABLE = re.compile(r"\{\{\s*(.*?)\s*\}\}")
HTML_TAG = re.compile(r"<[^<>]+>")


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _catalogue() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def _label(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid


def _translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[n] for n in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def _markers(text: str, python_format: bool) -> dict[str, set[str]]:
    printf = PRINTF_PLACEHOLDER if python_format else NAMED_PLACEHOLDER
    return {
        "placeholders": set(printf.findall(text)),
        "template variables": {f"{{{{ {name} }}}}" for name in TEMPLATE_VARIABLE.findall(text)},
        "HTML tags": set(HTML_TAG.findall(text)),
    }


def test_the_header_declares_welsh_and_its_four_plural_forms():
    po = _catalogue()
    assert not po.metadata_is_fuzzy, "remove '#, fuzzy' from the header of the cy catalogue"
    assert po.metadata.get("Language") == "cy"
    assert po.metadata.get("Plural-Forms") == WELSH_PLURAL_FORMS
    assert po.metadata.get("Content-Type") == "text/plain; charset=UTF-8"


def test_every_entry_is_translated_and_none_is_fuzzy_or_obsolete():
    po = _catalogue()
    untranslated, fuzzy, obsolete = [], [], []
    for entry in po:
        if entry.obsolete:
            obsolete.append(_label(entry))
            continue
        if "fuzzy" in entry.flags:
            fuzzy.append(_label(entry))
        translations = _translations(entry)
        plural_count = 4 if entry.msgid_plural else 1
        if len(translations) != plural_count or not all(t.strip() for t in translations):
            untranslated.append(_label(entry))
    assert len(po) > 0, f"{_shown(PO_PATH)} has no entries"
    problems = [
        ("entries without a (complete) Welsh translation", untranslated),
        ("fuzzy entries (check the Welsh, then remove the flag)", fuzzy),
        ("obsolete '#~' entries (delete them)", obsolete),
    ]
    report = "\n".join(
        f"{title}:\n  " + "\n  ".join(labels) for title, labels in problems if labels
    )
    assert not report, report


def test_every_translation_keeps_the_placeholders_variables_and_tags_of_the_english():
    problems = []
    for entry in _catalogue():
        if entry.obsolete:
            continue
        python_format = "python-format" in entry.flags
        english = entry.msgid + (entry.msgid_plural or "")
        expected = _markers(english, python_format)
        for index, welsh in enumerate(_translations(entry)):
            if not welsh:
                continue  # reported by the completeness test
            found = _markers(welsh, python_format)
            for kind, wanted in expected.items():
                if found[kind] != wanted:
                    problems.append(
                        f"{_label(entry)!r} [msgstr {index}]: {kind} {sorted(found[kind])} "
                        f"instead of {sorted(wanted)}"
                    )
    assert not problems, "\n".join(problems)


def test_the_catalogue_has_every_string_of_the_code(tmp_path):
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.fail("GNU gettext is needed to extract messages: apt-get install gettext")
    copy = tmp_path / "tree"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    for name in ("pont", "config", "locale"):
        shutil.copytree(ROOT / name, copy / name, ignore=ignore)
    shutil.copy2(ROOT / "manage.py", copy / "manage.py")
    command = [sys.executable, "manage.py", "makemessages", "-l", "cy", "--no-location"]
    command += [f"--ignore={pattern}" for pattern in MAKEMESSAGES_IGNORES]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(  # noqa: S603 - fixed command, no shell
        command, cwd=copy, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"

    def msgids(po: polib.POFile) -> set[tuple[str | None, str, str]]:
        return {(e.msgctxt, e.msgid, e.msgid_plural) for e in po if not e.obsolete}

    in_code = msgids(polib.pofile(str(copy / "locale" / "cy" / "LC_MESSAGES" / "django.po")))
    committed = msgids(_catalogue())
    missing = sorted(in_code - committed, key=str)
    stale = sorted(committed - in_code, key=str)
    fix = "run makemessages (see this module's docstring) and translate the new entries"
    assert not missing, (
        f"strings in the code missing from {_shown(PO_PATH)} ({fix}):\n"
        + "\n".join(repr(m[1]) for m in missing)
    )
    assert not stale, f"entries in {_shown(PO_PATH)} no longer in the code ({fix}):\n" + "\n".join(
        repr(m[1]) for m in stale
    )


def test_the_compiled_catalogue_is_present_current_and_loaded():
    assert MO_PATH.exists(), f"{_shown(MO_PATH)} is missing: run `make messages`"
    compiled = {(e.msgctxt, e.msgid): e for e in polib.mofile(str(MO_PATH))}
    out_of_date = []
    for entry in _catalogue():
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        built = compiled.get((entry.msgctxt, entry.msgid))
        if built is None or _translations(built) != _translations(entry):
            out_of_date.append(_label(entry))
    assert not out_of_date, (
        f"{_shown(MO_PATH)} is out of date with the .po file: run `make messages`. "
        "Differing entries:\n" + "\n".join(out_of_date)
    )
    with translation.override("cy"):
        welsh = translation.gettext("Sign in")
    assert welsh != "Sign in", "the Welsh catalogue is not loaded: run `make messages`"
    assert welsh == _catalogue().find("Sign in").msgstr


def test_welsh_dates_spell_july_correctly_over_djangos_catalogue():
    from datetime import date

    from django.utils import translation
    from django.utils.dateformat import format as date_format

    with translation.override("cy"):
        assert date_format(date(2026, 7, 3), "j F Y") == "3 Gorffennaf 2026"
        assert date_format(date(2026, 7, 3), "j E Y") == "3 Gorffennaf 2026"


def test_a_password_refused_by_djangos_validators_is_refused_in_welsh():
    """Django's Welsh catalogue has no words for its password validators (completed in
    pont/core/welsh_corrections.py); a Welsh reader was told in English."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from pont.accounts.forms import PasswordChangeForm
    from pont.accounts.models import User

    user = User(username="glyndwr", first_name="Owain", last_name="Glyndwr")
    with translation.override("cy"):
        with pytest.raises(ValidationError) as refused:
            validate_password("12345", user)
        said = " ".join(refused.value.messages)
        assert "too short" not in said
        assert "entirely numeric" not in said
        assert "12" in said  # the length asked for, in the Welsh sentence
        with pytest.raises(ValidationError) as common:
            validate_password("passwordpassword", user)
        assert "too common" not in " ".join(common.value.messages)
        form = PasswordChangeForm(
            user,
            {
                "old_password": "x",
                "new_password1": "Afon-Teifi-yn-llifo-99",
                "new_password2": "Afon-Teifi-yn-llifo-98",
            },
        )
        form.is_valid()
        assert "didn’t match" not in str(form.errors)
        assert "Enter the same password" not in str(form["new_password2"].help_text)
