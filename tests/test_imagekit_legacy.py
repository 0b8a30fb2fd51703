"""imagekitio 2.x (dict results) and 3.0.x (strict result classes), each in its own
virtual environment (tests/run.sh), against the ImageKit emulator."""
from __future__ import annotations

import os

import pytest

from conftest import REPO
from test_imagekit import STORAGE_4, codes, diagnose, findings, make, status

IK2_PYTHON = os.environ.get("UPLOAD_DIAGNOSTICS_IK2_PYTHON", str(REPO / ".venv-ik2/bin/python"))
IK3_PYTHON = os.environ.get("UPLOAD_DIAGNOSTICS_IK3_PYTHON", str(REPO / ".venv-ik3/bin/python"))

STORAGE_2 = '''
from django.conf import settings
from django.core.files.storage import Storage
from imagekitio import ImageKit


class ImageKitStorage(Storage):
    def __init__(self):
        self.client = ImageKit(private_key=settings.IMAGEKIT_PRIVATE_KEY,
                               public_key=settings.IMAGEKIT_PUBLIC_KEY,
                               url_endpoint=settings.IMAGEKIT_URL_ENDPOINT)

    def _save(self, name, content):
        result = self.client.upload_file(file=content.read(), file_name=name,
                                         options={"folder": "/media"})
        if result["error"]:
            raise IOError(result["error"])
        return result["response"]["filePath"].lstrip("/")
'''



@pytest.fixture
def emulator():
    import sys
    sys.path.insert(0, str(REPO / "examples"))
    from imagekit_emulator import ImageKitEmulator
    with ImageKitEmulator(stall_s=20) as emu:
        yield emu


def test_2x_storage_with_2x_round_trips(project, emulator):
    root = make(project, IK2_PYTHON, storage=STORAGE_2)
    run, report = diagnose(root, "--e2e", python=IK2_PYTHON, env=emulator.environ())
    assert codes(report, "imagekit.sdk") == ["imagekit.I020", "imagekit.W020"]
    assert "2.x" in findings(report, "imagekit.I020")[0]["message"]
    assert codes(report, "imagekit.auth") == ["imagekit.I003"]
    assert codes(report, "imagekit.upload") == ["imagekit.I030"]
    reads = [row[1:] for e in findings(report, "imagekit.I030")[0]["evidence"]
             if e["type"] == "table" for row in e["rows"]]
    assert ["result['error']", "yes"] in reads  # present, although null on success
    assert ["result['response']['filePath']", "yes"] in reads
    assert emulator.files == {} and emulator.private_key not in run.output


def test_4x_storage_with_2x_reads_attributes_of_a_dict(project, emulator):
    root = make(project, IK2_PYTHON, storage=STORAGE_4)
    _, report = diagnose(root, "--e2e", python=IK2_PYTHON, env=emulator.environ())
    static = {(f["code"], f["location"]["line"]) for f in findings(report, "imagekit.E021")
              + findings(report, "imagekit.E024")}
    assert static == {("imagekit.E021", 4), ("imagekit.E021", 5), ("imagekit.E024", 23)}
    assert "result['response']['fileId']" in findings(report, "imagekit.E024")[0]["hint"]
    assert {f["location"]["line"] for f in findings(report, "imagekit.E031")} == {23}
    assert emulator.files == {}


@pytest.mark.parametrize("python", [IK2_PYTHON, IK3_PYTHON], ids=["ik2", "ik3"])
def test_a_wrong_key_is_403_in_old_generations(project, emulator, python):
    root = make(project, python, storage=STORAGE_2 if python == IK2_PYTHON else STORAGE_4)
    env = {**emulator.environ(), "IMAGEKIT_PRIVATE_KEY": "private_" + "A" * 27 + "="}
    _, report = diagnose(root, "imagekit.auth", python=python, env=env)
    assert codes(report) == ["imagekit.E011"]


def test_2x_non_json_answer(project, emulator):
    root = make(project, IK2_PYTHON, storage=STORAGE_2)
    emulator.inject("not_json")
    _, report = diagnose(root, "imagekit.auth", python=IK2_PYTHON, env=emulator.environ())
    assert codes(report) == ["imagekit.E016"]


def test_3_0_cannot_read_todays_answers_and_still_cleans_up(project, emulator):
    root = make(project, IK3_PYTHON, storage=STORAGE_4)
    run, report = diagnose(root, "--e2e", python=IK3_PYTHON, env=emulator.environ())
    assert "imagekit.W021" in codes(report, "imagekit.sdk")
    assert not [c for c in codes(report, "imagekit.sdk") if c[9] == "E"]  # same API as 4.x
    assert codes(report, "imagekit.upload") == ["imagekit.E019", "imagekit.I030"]
    assert "unexpected keyword argument" in findings(report, "imagekit.E019")[0]["message"]
    assert status(report, "imagekit.upload") == "fail"
    assert emulator.files == {}  # stored by ImageKit, unreadable by the SDK, deleted anyway
