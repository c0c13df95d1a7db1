"""Stop and search in the demo: the real Dyfed-Powys police.uk months shipped with Pont."""

from pathlib import Path

from pont.stop_search import services as stop_search
from pont.stop_search.models import PoliceUkImport

POLICEUK_FILES = Path(stop_search.__file__).resolve().parent / "data" / "policeuk"


def load_policeuk_months() -> int:
    """Import each shipped stop-and-search file once; returns how many searches were added."""
    added = 0
    for path in sorted(POLICEUK_FILES.glob("*-stop-and-search.csv")):
        year, month = path.name[:4], path.name[5:7]
        if PoliceUkImport.objects.filter(force="dyfed-powys", month=f"{year}-{month}-01").exists():
            continue
        with path.open("rb") as stream:
            result = stop_search.policeuk_import(actor=None, file_name=path.name, stream=stream)
        added += result.rows
    return added
