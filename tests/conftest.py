"""The tests mirror the package (tests/convert/ for gonghui.convert …); files across stages stay
here. Having this file puts tests/ on sys.path, so every test can import the shared `servers`."""
import shutil
from pathlib import Path

import pytest
from servers import running_serve

from gonghui.publish import build

INVENTED = Path(__file__).parent / "data" / "invented"


@pytest.fixture(scope="session")
def invented_project(tmp_path_factory) -> Path:
    """A project folder with the invented pages of tests/data/invented/ as its seeds, built once
    for every test that reads them (its dataset is root/lod)."""
    root = tmp_path_factory.mktemp("invented")
    shutil.copytree(INVENTED, root / "seeds")
    assert build(root / "seeds", root / "lod", workers=1, cache=False)
    return root


@pytest.fixture(scope="session")
def invented_site(invented_project):
    """A real `gonghui serve` of the invented project, started once."""
    with running_serve(cwd=invented_project) as served:
        yield served
