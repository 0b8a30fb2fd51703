"""The imagekit family, driven through the real command with imagekitio 4.2.0 (.venv) and
5.11.0 (.venv-ik5) against the ImageKit emulator on 127.0.0.1."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

from pathlib import Path

import pytest

from conftest import IK5_PYTHON, REPO, base_env, run_cli

sys.path.insert(0, str(REPO / "examples"))
from imagekit_emulator import ImageKitEmulator, make_keys  # noqa: E402

IK4 = sys.executable
BOTH = pytest.mark.parametrize("python", [IK4, IK5_PYTHON], ids=["ik4", "ik5"])

SETTINGS = """
import os
IMAGEKIT_PRIVATE_KEY = os.environ.get("IMAGEKIT_PRIVATE_KEY", "")
IMAGEKIT_PUBLIC_KEY = os.environ.get("IMAGEKIT_PUBLIC_KEY", "")
IMAGEKIT_URL_ENDPOINT = os.environ.get("IMAGEKIT_URL_ENDPOINT", "")
STORAGES = {"default": {"BACKEND": "media.storage.ImageKitStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
UPLOAD_DIAGNOSTICS = {"IMAGEKIT": {"TIMEOUT": 1}}
"""

STORAGE_4 = '''
from django.conf import settings
from django.core.files.storage import Storage
from imagekitio import ImageKit
from imagekitio.exceptions.ForbiddenException import ForbiddenException
from imagekitio.models.UploadFileRequestOptions import UploadFileRequestOptions


class ImageKitStorage(Storage):
    def __init__(self):
        self.client = ImageKit(
            private_key=settings.IMAGEKIT_PRIVATE_KEY,
            public_key=settings.IMAGEKIT_PUBLIC_KEY,
            url_endpoint=settings.IMAGEKIT_URL_ENDPOINT,
        )

    def _save(self, name, content):
        options = UploadFileRequestOptions(folder="/media", use_unique_file_name=False)
        try:
            result = self.client.upload_file(file=content.read(), file_name=name,
                                             options=options)
        except ForbiddenException:
            raise
        return result.file_path.lstrip("/") + result.file_id[:0]

    def delete(self, name):
        self.client.delete_file(file_id=name)
'''
# Lines of STORAGE_4 (as written to disk: the leading newline is stripped).
LINE_4_EXCEPTIONS_IMPORT, LINE_4_CONSTRUCTOR, LINE_4_UPLOAD = 4, 10, 19

STORAGE_5 = '''
from django.conf import settings
from django.core.files.storage import Storage
from imagekitio import ImageKit, PermissionDeniedError


class ImageKitStorage(Storage):
    def __init__(self):
        self.client = ImageKit(private_key=settings.IMAGEKIT_PRIVATE_KEY, timeout=20)

    def _save(self, name, content):
        try:
            result = self.client.files.upload(file=content.read(), file_name=name,
                                              folder="/media", use_unique_file_name=False)
        except PermissionDeniedError:
            raise
        return result.file_path.lstrip("/") + result.file_id[:0]

    def delete(self, name):
        self.client.files.delete(name)
'''
LINE_5_UPLOAD = 12


def storage_for(python) -> str:
    return STORAGE_5 if python == IK5_PYTHON else STORAGE_4


@pytest.fixture
def emulator():
    with ImageKitEmulator(stall_s=20) as emu:
        yield emu


def diagnose(root, *args, python=IK4, env=None):
    """Run the imagekit family on the project's settings; returns (Run, report)."""
    if not any(a.startswith("imagekit") for a in args):
        args = ("imagekit", *args)
    run = run_cli("--settings", "testsite.settings", "--project-dir", root,
                  "--format", "json", *args, python=python, cwd=root,
                  env=base_env(PYTHONPATH=root, **(env or {})))
    run.report()  # the exit status its findings call for
    return run, run.json()


def codes(report, check=None) -> list[str]:
    return [f["code"] for c in report["checks"] if check in (None, c["id"])
            for f in c["findings"]]


def findings(report, code):
    return [f for c in report["checks"] for f in c["findings"] if f["code"] == code]


def status(report, check) -> str:
    return next(c["status"] for c in report["checks"] if c["id"] == check)


def make(project, python, settings_extra="", storage=None):
    return project(SETTINGS + settings_extra, {"media/__init__.py": "",
                                               "media/storage.py": storage or
                                               storage_for(python)})


# -- a correct setup --------------------------------------------------------------------

@BOTH
def test_a_correct_setup_passes_and_cleans_up(project, emulator, python):
    root = make(project, python)
    run, report = diagnose(root, "--e2e", python=python, env=emulator.environ())
    assert status(report, "imagekit.credentials") == "pass"
    assert status(report, "imagekit.auth") == "pass"
    assert status(report, "imagekit.upload") == "pass"
    assert status(report, "imagekit.sdk") == ("pass" if python == IK5_PYTHON else "warn")
    assert not [c for c in codes(report) if c[9] in "EC"], codes(report)
    assert [(r.method, r.path.rsplit("/", 1)[0] if r.method == "DELETE" else r.path, r.status)
            for r in emulator.requests] == [
        ("GET", "/v1/files", 200), ("POST", "/api/v1/files/upload", 200),
        ("DELETE", "/v1/files", 204)]
    assert emulator.files == {}  # the test upload was deleted
    done = findings(report, "imagekit.I030")[0]
    uploaded_id = emulator.requests[2].path.rsplit("/", 1)[1]
    assert uploaded_id in done["message"]
    reads = [row[1] for e in done["evidence"] if e["type"] == "table" for row in e["rows"]]
    assert "result.file_path" in reads and "result.file_id" in reads
    assert emulator.private_key not in run.output and emulator.public_key not in run.output
    fact = next(c for c in report["checks"] if c["id"] == "imagekit.sdk")["facts"]
    timeout = fact["storage.sdk_timeout"]
    assert timeout["sdk"].startswith("imagekitio ")
    assert timeout["timeout_s"] == (60.0 if python == IK5_PYTHON else None)


# -- static misconfigurations -----------------------------------------------------------

PRIVATE, PUBLIC = make_keys()
ENDPOINT = "https://ik.imagekit.io/acme"


@pytest.mark.parametrize("env, code", [
    ({"IMAGEKIT_PUBLIC_KEY": PUBLIC, "IMAGEKIT_URL_ENDPOINT": ENDPOINT}, "imagekit.E001"),
    ({"IMAGEKIT_PRIVATE_KEY": PRIVATE[8:]}, "imagekit.E002"),
    ({"IMAGEKIT_PRIVATE_KEY": PUBLIC, "IMAGEKIT_PUBLIC_KEY": PRIVATE}, "imagekit.E003"),
    ({"IMAGEKIT_PRIVATE_KEY": f'"{PRIVATE}"\n'}, "imagekit.E004"),
    ({"IMAGEKIT_PRIVATE_KEY": PRIVATE.rstrip("=")}, "imagekit.E005"),
    ({"IMAGEKIT_URL_ENDPOINT": "ik.imagekit.io/acme"}, "imagekit.E006"),
    ({"IMAGEKIT_URL_ENDPOINT": "https://ik.imagekit.io/acme/photos"}, "imagekit.W002"),
])
def test_each_misconfiguration_yields_its_code(project, env, code):
    root = make(project, IK4)
    full = {"IMAGEKIT_PRIVATE_KEY": PRIVATE, "IMAGEKIT_PUBLIC_KEY": PUBLIC,
            "IMAGEKIT_URL_ENDPOINT": ENDPOINT}
    full.update(env)
    if code == "imagekit.E001":
        del full["IMAGEKIT_PRIVATE_KEY"]
    run, report = diagnose(root, "--offline", env=full)
    found = codes(report, "imagekit.credentials")
    assert code in found, found
    assert [c for c in found if c[9] in "EW"] == [code]  # nothing else
    assert status(report, "imagekit.auth") == "skipped"
    planted = full.get("IMAGEKIT_PRIVATE_KEY", PRIVATE).strip().strip('"')
    assert planted not in run.output and PRIVATE not in run.output


def test_custom_domains_and_local_endpoints_are_allowed(project):
    root = make(project, IK4)
    for endpoint in ("https://media.example.com/some/path", "http://127.0.0.1:9000/x"):
        _, report = diagnose(root, "--offline", env={"IMAGEKIT_PRIVATE_KEY": PRIVATE,
                                                     "IMAGEKIT_PUBLIC_KEY": PUBLIC,
                                                     "IMAGEKIT_URL_ENDPOINT": endpoint})
        assert status(report, "imagekit.credentials") == "pass", codes(report)


def test_settings_and_environment_disagree(project):
    other, _ = make_keys()
    root = make(project, IK4, f'\nIMAGEKIT_PRIVATE_KEY = "{other}"\n')
    run, report = diagnose(root, "--offline", env={"IMAGEKIT_PRIVATE_KEY": PRIVATE,
                                                   "IMAGEKIT_PUBLIC_KEY": PUBLIC,
                                                   "IMAGEKIT_URL_ENDPOINT": ENDPOINT})
    assert codes(report, "imagekit.credentials").count("imagekit.W003") == 1
    assert PRIVATE not in run.output and other not in run.output


def test_public_key_is_only_a_warning_for_5x(project):
    root = make(project, IK5_PYTHON)
    env = {"IMAGEKIT_PRIVATE_KEY": PRIVATE, "IMAGEKIT_URL_ENDPOINT": ENDPOINT}
    _, report = diagnose(root, "--offline", python=IK5_PYTHON, env=env)
    assert "imagekit.W001" in codes(report, "imagekit.credentials")
    _, report = diagnose(make(project, IK4), "--offline", env=env)
    assert "imagekit.E001" in codes(report, "imagekit.credentials")


def test_a_project_without_imagekit_is_not_applicable(project):
    # ImageKit keys left in the environment by another project do not make it "used".
    root = project("", {})
    _, report = diagnose(root, env={"IMAGEKIT_PRIVATE_KEY": "private_left_over_from_a_shell"})
    assert {c["id"]: c["status"] for c in report["checks"]} == {
        "imagekit.credentials": "skipped", "imagekit.sdk": "skipped",
        "imagekit.auth": "skipped", "imagekit.upload": "skipped"}
    assert report["checks"][0]["skipped_reason"].startswith("not applicable: the project "
                                                            "does not use ImageKit")
    assert codes(report) == []


def test_a_missing_key_is_a_warning_when_uploads_go_to_another_remote_storage(project):
    """ImageKit code left behind after a move to S3: the empty keys are not why uploads
    fail (one imagekit.W004); with disk storage they stay errors (imagekit.E001)."""
    files = {"media/__init__.py": "", "media/storage.py": STORAGE_4}
    for backend, code in (("storages.backends.s3.S3Storage", "imagekit.W004"),
                          ("django.core.files.storage.FileSystemStorage", "imagekit.E001")):
        settings = SETTINGS.replace("media.storage.ImageKitStorage", backend)
        _, report = diagnose(project(settings, files), "imagekit.credentials", "--offline")
        assert {c for c in codes(report) if c in ("imagekit.E001", "imagekit.W004")} == \
            {code}, backend


# -- the key against the API: each answer its own code ----------------------------------

FAULTS = [("rate_limit", "imagekit.W010"), ("server_error", "imagekit.E012"),
          ("bad_gateway", "imagekit.E012"), ("not_json", "imagekit.E016"),
          ("drop", "imagekit.E017"), ("stall", "imagekit.E013")]


@BOTH
@pytest.mark.parametrize("fault, code", FAULTS, ids=[f for f, _ in FAULTS])
def test_each_emulator_fault_yields_its_code(project, emulator, python, fault, code):
    root = make(project, python)
    emulator.inject(fault, times=5)
    run, report = diagnose(root, "imagekit.auth", python=python, env=emulator.environ())
    assert codes(report, "imagekit.auth") == [code]
    assert status(report, "imagekit.auth") != "timeout"  # the check's own timeout, no hang
    assert emulator.requests_to("GET", "/v1/files")  # the key check did reach the emulator
    assert emulator.private_key not in run.output
    if fault == "rate_limit":
        evidence = findings(report, code)[0]["evidence"][0]["items"]
        assert ["X-RateLimit-Limit", "10"] in evidence


@BOTH
def test_a_wrong_key_is_403(project, emulator, python):
    root = make(project, python)
    wrong, _ = make_keys()
    env = {**emulator.environ(), "IMAGEKIT_PRIVATE_KEY": wrong}
    run, report = diagnose(root, "imagekit.auth", python=python, env=env)
    assert codes(report, "imagekit.auth") == ["imagekit.E011"]
    assert emulator.requests[-1].status == 403
    assert wrong not in run.output


def test_no_key_sent_is_401_with_5x(project, emulator):
    root = make(project, IK5_PYTHON)
    env = {**emulator.environ(), "IMAGEKIT_PRIVATE_KEY": ""}
    _, report = diagnose(root, "imagekit", python=IK5_PYTHON, env=env)
    assert codes(report, "imagekit.auth") == ["imagekit.E010"]
    assert "imagekit.E001" in codes(report, "imagekit.credentials")
    assert emulator.requests[-1].status == 401 and emulator.requests[-1].auth_user is None


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@BOTH
@pytest.mark.parametrize("scheme, code", [("http", "imagekit.E017"),
                                          ("https", "imagekit.E015")])
def test_refused_connections_and_tls_failures(project, emulator, python, scheme, code):
    root = make(project, python)
    port = _closed_port() if scheme == "http" else emulator.port  # the emulator: plain HTTP
    env = {**emulator.environ(), "UPLOAD_DIAGNOSTICS_IMAGEKIT_URL": f"{scheme}://127.0.0.1:{port}"}
    _, report = diagnose(root, "imagekit.auth", python=python, env=env)
    assert codes(report, "imagekit.auth") == [code]


# -- SDK compatibility ------------------------------------------------------------------

def test_a_4x_storage_diagnosed_with_5x_is_reported_at_the_exact_lines(project):
    root = make(project, IK5_PYTHON, storage=STORAGE_4)
    _, report = diagnose(root, "imagekit.sdk", "--offline", python=IK5_PYTHON)
    located = {(f["code"], f["location"]["line"]) for f in report["checks"][0]["findings"]
               if f["location"]}
    assert ("imagekit.E021", LINE_4_EXCEPTIONS_IMPORT) in located
    assert ("imagekit.E022", LINE_4_CONSTRUCTOR) in located
    assert ("imagekit.E023", LINE_4_UPLOAD) in located
    assert all(f["location"]["path"] == "media/storage.py"
               for f in report["checks"][0]["findings"] if f["location"])
    constructor = next(f for f in findings(report, "imagekit.E022"))
    assert "public_key, url_endpoint" in constructor["message"]
    assert "files.upload" in next(f for f in findings(report, "imagekit.E023")
                                  if f["location"]["line"] == LINE_4_UPLOAD)["hint"]


def test_a_5x_storage_diagnosed_with_5x_has_no_findings(project):
    root = make(project, IK5_PYTHON, storage=STORAGE_5)
    _, report = diagnose(root, "imagekit.sdk", "--offline", python=IK5_PYTHON)
    assert codes(report) == ["imagekit.I020"]


def test_a_4x_storage_with_4x_only_warns_about_the_timeout(project):
    root = make(project, IK4, storage=STORAGE_4)
    _, report = diagnose(root, "imagekit.sdk", "--offline")
    assert codes(report) == ["imagekit.I020", "imagekit.W020"]


def test_a_5x_storage_diagnosed_with_4x(project):
    root = make(project, IK4, storage=STORAGE_5)
    _, report = diagnose(root, "imagekit.sdk", "--offline")
    located = {(f["code"], f["location"]["line"]) for f in findings(report, "imagekit.E023")}
    assert ("imagekit.E023", LINE_5_UPLOAD) in located
    assert "imagekit.E021" in codes(report) and "imagekit.E022" in codes(report)


MASKED = '''
from imagekitio import ImageKit
from imagekitio.exceptions import UnauthorizedException

client = ImageKit(private_key="x", public_key="y", url_endpoint="z")


def save(data):
    try:
        result = client.upload_file(file=data, file_name="a.png")
    except UnauthorizedException:
        return None
    return result["response"]["fileId"]
'''


@BOTH
def test_module_caught_as_exception_and_dict_results(project, python):
    root = make(project, python, storage=STORAGE_5 if python == IK5_PYTHON else STORAGE_4)
    (root / "media" / "legacy.py").write_text(MASKED.lstrip("\n"))
    _, report = diagnose(root, "imagekit.sdk", "--offline", python=python)
    legacy = {(f["code"], f["location"]["line"]) for c in report["checks"]
              for f in c["findings"] if f["location"] and
              f["location"]["path"] == "media/legacy.py"}
    if python == IK4:
        assert legacy == {("imagekit.E025", 10), ("imagekit.E024", 12)}
    else:  # 5.x: the import itself fails, the constructor and the method do not exist
        assert {("imagekit.E021", 2), ("imagekit.E022", 4), ("imagekit.E023", 9)} <= legacy


# -- the write tier ---------------------------------------------------------------------

@BOTH
def test_an_empty_upload_is_reported(project, emulator, python):
    root = make(project, python)
    emulator.inject("empty_file", path="/api/v1/files/upload")
    _, report = diagnose(root, "imagekit.upload", "--e2e", python=python,
                         env=emulator.environ())
    assert codes(report) == ["imagekit.E030"]
    assert emulator.files == {}


@BOTH
def test_an_undeletable_test_file_is_named(project, emulator, python):
    root = make(project, python)
    emulator.inject("server_error", path="/v1/files/", times=5)
    _, report = diagnose(root, "imagekit.upload", "--e2e", python=python,
                         env=emulator.environ())
    assert codes(report) == ["diagnostics.C002"]
    [leftover] = [f["filePath"] for f in emulator.files.values()]
    [left] = findings(report, "diagnostics.C002")
    assert left["message"].startswith("1 test object(s) could not be deleted from ImageKit "
                                      f"media library: {leftover} (RuntimeError: DELETE "
                                      "/v1/files/")
    assert left["message"].endswith("answered 500)")
    assert "diagnose-uploads --cleanup --yes" in left["hint"]


READS_MISSING = {IK4: "result.custom_coordinates", IK5_PYTHON: "result.response_metadata.raw"}


@BOTH
def test_a_field_the_code_reads_is_missing_from_the_response(project, emulator, python):
    storage = storage_for(python).replace(
        'return result.file_path.lstrip("/")',
        f'return str({READS_MISSING[python]}) + result.file_path.lstrip("/")')
    root = make(project, python, storage=storage)
    _, report = diagnose(root, "imagekit.upload", "--e2e", python=python,
                         env=emulator.environ())
    missing = findings(report, "imagekit.E031")
    assert [f["location"]["path"] for f in missing] == ["media/storage.py"]
    assert READS_MISSING[python] in missing[0]["message"]
    assert emulator.files == {}  # deleted all the same


# -- without any SDK: plain HTTP to the same URL ----------------------------------------

@pytest.fixture
def python_without_sdk(tmp_path):
    """Run .venv's Python on a copy of its site-packages without imagekitio (symlinks;
    -S so the real site-packages is not added, PYTHONPATH carries the rest). -S also skips
    the editable install's .pth, so this package is linked in as a wheel would lay it out."""
    import sysconfig
    site = tmp_path / "site"
    site.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(("imagekitio", "__editable__")):
            (site / entry.name).symlink_to(entry)
    (site / "upload_diagnostics").mkdir()
    for name in ("diagnostics", "checks", "reports", "manage_commands"):
        (site / "upload_diagnostics" / name).symlink_to(REPO / name)
    return site


def test_without_the_sdk_imports_are_errors_and_the_key_is_checked_over_plain_http(
        project, emulator, python_without_sdk):
    root = make(project, IK4)
    path = os.pathsep.join([str(root), str(python_without_sdk)])
    for key, code in ((emulator.private_key, "imagekit.I003"), (PRIVATE, "imagekit.E011")):
        env = base_env(**{**emulator.environ(), "IMAGEKIT_PRIVATE_KEY": key,
                          "PYTHONPATH": path})
        proc = subprocess.run([IK4, "-S", "-m", "upload_diagnostics.manage_commands",
                               "--settings", "testsite.settings", "--project-dir", str(root),
                               "imagekit",
                               "--format", "json"], cwd=root, env=env, capture_output=True,
                              text=True, timeout=120)
        report = json.loads(proc.stdout)
        assert findings(report, "imagekit.E020")[0]["location"]["path"] == "media/storage.py"
        assert codes(report, "imagekit.auth") == [code]
        assert key not in proc.stdout + proc.stderr
    assert [r.status for r in emulator.requests] == [200, 403]


def test_without_the_sdk_or_a_key_the_checks_that_cannot_check_are_skipped(
        project, emulator, python_without_sdk):
    root = make(project, IK4)
    path = os.pathsep.join([str(root), str(python_without_sdk)])
    reasons = {}
    for key in (emulator.private_key, ""):
        env = base_env(**{**emulator.environ(), "IMAGEKIT_PRIVATE_KEY": key,
                          "PYTHONPATH": path})
        proc = subprocess.run([IK4, "-S", "-m", "upload_diagnostics.manage_commands",
                               "--settings", "testsite.settings", "--project-dir", str(root),
                               "imagekit.auth", "imagekit.upload", "--e2e", "--format", "json"],
                              cwd=root, env=env, capture_output=True, text=True, timeout=120)
        reasons[key] = {c["id"]: (c["status"], c["skipped_reason"])
                        for c in json.loads(proc.stdout)["checks"]}
    assert reasons[emulator.private_key]["imagekit.upload"] == (
        "skipped", "imagekitio is not installed: there is no SDK to upload through")
    assert reasons[""]["imagekit.auth"][0] == "skipped"
    assert reasons[""]["imagekit.auth"][1].startswith("no ImageKit private key is configured")
    assert not emulator.requests_to("POST", "/api/v1/files/upload")


# -- secrets never leave ----------------------------------------------------------------

def test_no_key_in_any_format(project, emulator, tmp_path):
    root = make(project, IK4)
    out = tmp_path / "reports"
    run = run_cli("--settings", "testsite.settings", "--project-dir", root, "imagekit",
                  "--e2e", "-v", "2", "--format", "json", "--format", "md", "--format", "html",
                  "--format", "text", "--output", out, cwd=root,
                  env=base_env(PYTHONPATH=root, **emulator.environ()))
    assert run.returncode == 0, run.output
    texts = [run.output] + [p.read_text(encoding="utf-8") for p in out.iterdir()]
    assert len(texts) == 5
    for secret in (emulator.private_key, emulator.private_key[8:-1], emulator.public_key):
        assert not any(secret in text for text in texts)
    assert "imagekit.I003" in texts[1] + texts[2] + texts[3] + texts[4]


# -- generations and failure classes ----------------------------------------------------

@pytest.mark.parametrize("version, generation", [
    ("2.2.8", "2"), ("3.0.1", "3.0"), ("3.2.0", "4"), ("4.2.0", "4"), ("5.11.0", "5"),
    (None, "")])
def test_generation_from_the_package_version(version, generation):
    from upload_diagnostics.checks.imagekit.sdk import Sdk
    sdk = Sdk(version)
    assert sdk.generation == generation
    if generation != "5":
        assert sdk.http_timeout is None  # 2.x-4.x call requests without a timeout


def test_dns_failures_are_their_own_class():
    import socket as socket_mod

    import requests

    from upload_diagnostics.checks.imagekit.network import classify
    from upload_diagnostics.checks.imagekit.sdk import Outcome
    try:
        try:
            raise socket_mod.gaierror(-2, "Name or service not known")
        except socket_mod.gaierror as exc:
            raise requests.exceptions.ConnectionError("Failed to resolve host") from exc
    except requests.exceptions.ConnectionError as error:
        assert classify(Outcome(error=error)) == "dns"
    assert classify(Outcome(error=ConnectionRefusedError(111, "Connection refused"))) == \
        "connection"


# -- bad input is a finding, never a crash ----------------------------------------------

@BOTH
def test_broken_source_and_odd_settings_do_not_crash(project, emulator, python):
    odd = '\nIMAGEKIT_PRIVATE_KEY = None\nIMAGEKIT_PUBLIC_KEY = 42\n'
    root = make(project, python, odd, storage="from imagekitio import ImageKit\ndef broken(:\n")
    (root / "media" / "client.py").write_text(
        "import imagekitio\nclient = imagekitio.ImageKit(**{})\nclient.nope.deeper()\n")
    run, report = diagnose(root, "--e2e", python=python, env=emulator.environ())
    assert all(c["status"] not in ("error", "timeout") for c in report["checks"]), run.output
    assert "imagekit.E001" in codes(report, "imagekit.credentials")  # the empty private key
    assert "imagekit.E002" in codes(report, "imagekit.credentials")  # 42 is no public_ key


@BOTH
def test_base_url_and_setting_names_from_upload_diagnostics(project, emulator, python):
    """BASE_URL in settings (not the environment) redirects the SDK; SETTING_NAMES says where
    the key lives; a dict setting is read by "NAME.KEY"."""
    extra = f'''
del IMAGEKIT_PRIVATE_KEY
MEDIA_IK_PRIVATE = "{emulator.private_key}"
IMAGEKIT = {{"PUBLIC_KEY": "{emulator.public_key}"}}
del IMAGEKIT_PUBLIC_KEY
UPLOAD_DIAGNOSTICS = {{"IMAGEKIT": {{"BASE_URL": "{emulator.url}", "TIMEOUT": 2,
                                    "SETTING_NAMES": ["MEDIA_IK_PRIVATE"]}}}}
'''
    root = make(project, python, extra)
    env = {"IMAGEKIT_URL_ENDPOINT": emulator.url_endpoint}
    run, report = diagnose(root, python=python, env=env)
    assert codes(report, "imagekit.auth") == ["imagekit.I003"]
    values = findings(report, "imagekit.I001")[0]["evidence"][1]["rows"]
    assert [row[1] for row in values[:2]] == ["setting MEDIA_IK_PRIVATE",
                                              "setting IMAGEKIT.PUBLIC_KEY"]
    assert emulator.requests[-1].auth_user == emulator.private_key
    assert emulator.private_key not in run.output


@BOTH
def test_an_unexpected_answer_is_reported_with_its_status(project, emulator, python):
    """A BASE_URL with a path (the API lives at the root) answers 404."""
    root = make(project, python)
    env = {**emulator.environ(), "UPLOAD_DIAGNOSTICS_IMAGEKIT_URL": emulator.url + "/staging"}
    _, report = diagnose(root, "imagekit.auth", python=python, env=env)
    assert codes(report) == ["imagekit.E018"]
    assert "404" in findings(report, "imagekit.E018")[0]["message"]
    assert emulator.requests[-1].path == "/staging/v1/files"


# -- SDK code the project spreads over modules, pins, and names -------------------------

CLIENT_MODULE = '''
from django.conf import settings
from imagekitio import ImageKit

client = ImageKit(private_key=settings.IMAGEKIT_PUBLIC_KEY,
                  public_key=settings.IMAGEKIT_PRIVATE_KEY,
                  url_endpoint=settings.IMAGEKIT_URL_ENDPOINT)
'''

CLIENT_USER = '''
from .ik import client as ik


def push(data, name):
    result = ik.files.upload(file=data, file_name=name)
    return result.file_id
'''


def test_a_client_built_in_another_module_is_checked(project):
    """`from .ik import client` in a file that never imports imagekitio: its calls are
    still checked against the installed SDK (4.x has no files.upload)."""
    root = make(project, IK4, storage=STORAGE_4)
    (root / "media" / "ik.py").write_text(CLIENT_MODULE.lstrip("\n"))
    (root / "media" / "push.py").write_text(CLIENT_USER.lstrip("\n"))
    _, report = diagnose(root, "imagekit.sdk", "--offline")
    located = {(f["code"], f["location"]["path"], f["location"]["line"])
               for f in findings(report, "imagekit.E023")}
    assert located == {("imagekit.E023", "media/push.py", 5)}


def test_keys_read_from_settings_named_for_the_other_key(project):
    root = make(project, IK4, storage=STORAGE_4)
    (root / "media" / "ik.py").write_text(CLIENT_MODULE.lstrip("\n"))
    _, report = diagnose(root, "imagekit.sdk", "--offline")
    swapped = findings(report, "imagekit.W023")
    assert [(f["location"]["path"], f["location"]["line"]) for f in swapped] == [
        ("media/ik.py", 4), ("media/ik.py", 4)]
    assert {f["message"].split("(")[1].split("=")[0] for f in swapped} == {
        "private_key", "public_key"}
    assert "settings.IMAGEKIT_PUBLIC_KEY" in swapped[0]["message"]
    # the example storage passes each key from its own setting: no finding there
    assert all(f["location"]["path"] != "media/storage.py" for f in swapped)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
def test_a_pin_of_another_generation_is_read_in_any_encoding(project, encoding):
    """requirements.txt as PowerShell's `pip freeze >` writes it (UTF-16 with a BOM),
    or UTF-8: the 5.x pin is read and compared with the installed 4.x."""
    root = make(project, IK4, storage=STORAGE_4)
    (root / "requirements.txt").write_bytes(
        "Django==5.2\r\nimagekitio==5.11.0\r\nPillow>=10\r\n".encode(encoding))
    _, report = diagnose(root, "imagekit.sdk", "--offline")
    [pin] = findings(report, "imagekit.W022")
    assert pin["location"] == {"path": "requirements.txt", "line": 2}
    assert "imagekitio==5.11.0" in pin["message"] and "4.2.0" in pin["message"]


def test_a_pin_of_the_installed_generation_is_silent(project):
    root = make(project, IK4, storage=STORAGE_4)
    (root / "requirements").mkdir()
    (root / "requirements" / "base.txt").write_bytes(
        "imagekitio==4.1.0  # 3.1-4.x\n".encode("utf-16"))
    _, report = diagnose(root, "imagekit.sdk", "--offline")
    assert codes(report) == ["imagekit.I020", "imagekit.W020"]
