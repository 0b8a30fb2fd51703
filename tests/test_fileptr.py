"""fileptr's static analysis, driven through the real command on real source trees."""
from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import django
import PIL
import pytest

from upload_diagnostics.checks.fileptr import FilePointerReuse, MaskedErrors
from conftest import IK5_PYTHON, run_cli, run_manage, write_files

DOUBLE_READ = """
    import hashlib
    from io import BytesIO

    from PIL import Image


    def inspect_upload(request):
        upload = request.FILES["image"]
        digest = hashlib.md5(upload.read()).hexdigest()
        image = Image.open(BytesIO(upload.read()))
        return digest, image.size
"""


def scan(root, *args, python=None, cwd=None):
    run = run_cli("fileptr", "--project-dir", root, "--format", "json", *args,
                  python=python, cwd=cwd)
    run.report()  # the exit status its findings call for
    return run, run.json()


def findings(report, code_prefix="fileptr."):
    return [f for c in report["checks"] for f in c["findings"]
            if f["code"].startswith(code_prefix)]


def by_code(report):
    return {(f["code"], f["location"]["path"], f["location"]["line"])
            for f in findings(report)}


def test_example_project_double_read_and_storage(example_project):
    """The bundled example's serializer saves a consumed upload, its storage reads
    content without a rewind, and its view logs without the traceback - found without
    any Django settings."""
    run, report = scan(example_project)
    assert run.returncode == 1
    assert {c["id"]: c["tier"] for c in report["checks"]} == {
        "fileptr.reuse": "static", "fileptr.masked_errors": "static"}
    assert by_code(report) == {
        ("fileptr.E002", "gallery/serializers.py", 19),
        ("fileptr.E003", "gallery/storage.py", 25),
        ("fileptr.W003", "gallery/views.py", 22),
    }
    saved = next(f for f in findings(report) if f["code"] == "fileptr.E002")
    assert "PhotoSerializer.create()" in saved["message"]
    assert "line 18" in saved["message"] and "upload.read()" in saved["message"]
    where = next(e for e in saved["evidence"] if e["type"] == "kv")
    items = dict(where["items"])
    assert items["function"] == "PhotoSerializer.create"
    assert items["earlier read line"] == 18
    # The read and the save, a line apart, in one excerpt with both lines marked.
    [code] = [e for e in saved["evidence"] if e["type"] == "code"]
    assert (code["path"], code["mark_line"], code["marks"]) == ("gallery/serializers.py", 19,
                                                               [18, 19])
    assert "super().create(validated_data)" in code["lines"][19 - code["start_line"]]
    assert "seek(0)" in saved["hint"] and "FileSystemStorage" in saved["hint"]
    facts = next(c for c in report["checks"] if c["id"] == "fileptr.reuse")["facts"]
    assert facts["fileptr.static"]["files_scanned"] >= 10
    assert re.search(r"fileptr: \d+ files scanned", run.stderr)


def test_cross_module_summary_finds_helper_reads(tmp_path):
    """`optimize(x)` in another module counts as a read of x when optimize loads it."""
    root = write_files(tmp_path / "site", {
        "shop/__init__.py": "",
        "shop/images.py": """
            from PIL import Image

            def optimize(upload):
                image = Image.open(upload)
                image.load()
                return image
        """,
        "shop/views.py": """
            from shop.images import optimize

            def upload_view(request):
                upload = request.FILES["image"]
                optimize(upload)
                return upload.read()
        """,
    })
    _, report = scan(root)
    [finding] = findings(report)
    assert finding["code"] == "fileptr.E001"
    assert finding["location"] == {"path": "shop/views.py", "line": 6}
    assert "shop/images.py:4" in finding["message"]


def test_suppression_comment_only_silences_its_code(tmp_path):
    root = write_files(tmp_path / "site", {
        "app/views.py": """
            import hashlib

            def twice(upload):
                a = hashlib.md5(upload.read()).digest()
                b = hashlib.md5(upload.read()).digest()  # upload-diagnostics: ignore[fileptr.E001]
                return a, b

            def thrice(upload):
                a = hashlib.md5(upload.read()).digest()
                b = hashlib.md5(upload.read()).digest()  # upload-diagnostics: ignore[fileptr.E002]
                return a, b
        """,
    })
    _, report = scan(root)
    assert by_code(report) == {("fileptr.E001", "app/views.py", 10)}
    facts = next(c for c in report["checks"] if c["id"] == "fileptr.reuse")["facts"]
    assert facts["fileptr.static"]["suppressed"] == 1


def test_unparsable_files_are_one_info_each_and_the_rest_is_scanned(tmp_path):
    """A file that does not parse is one info when it names file handling (here `.read`),
    is not UTF-8 text, or holds a null byte. Another is parsed only when the analysis
    reaches into it: the broken one nothing imports is not reported, the one the view
    calls into is."""
    root = write_files(tmp_path / "site", {
        "app/views.py": DOUBLE_READ,
        "app/thumbs.py": """
            from app.unused_broken import nothing
            from app.reached_broken import helper


            def view(request):
                return helper(request.FILES["image"].read())
        """,
        "app/broken.py": "def view(request:\n    return request.FILES['x'].read()\n",
        "app/unused_broken.py": "def nothing(:\n    return 1\n",
        "app/reached_broken.py": "def helper(data:\n    return data\n",
    })
    (root / "app" / "latin1.py").write_bytes(b"TITLE = 'caf\xe9'\n")  # no coding line
    (root / "app" / "binary.py").write_bytes(bytes(range(256)) * 4)
    _, report = scan(root)
    infos = {f["location"]["path"]: f for f in findings(report, "fileptr.I001")}
    assert set(infos) == {"app/broken.py", "app/latin1.py", "app/binary.py",
                          "app/reached_broken.py"}
    assert infos["app/broken.py"]["level"] == "info"
    assert "SyntaxError" in infos["app/broken.py"]["message"]
    assert ("fileptr.E001", "app/views.py", 10) in by_code(report)
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses == {"fileptr.reuse": "fail", "fileptr.masked_errors": "pass"}


def test_modules_parsed_on_demand_still_carry_a_consumed_file(tmp_path):
    """Modules whose text names no file handling are parsed only when reached: here a
    two-module pass-through (a relative import under an alias, then a module attribute)
    to the package's helper that reads. The save after the hash is found through both."""
    root = write_files(tmp_path / "site", {
        "shop/__init__.py": """
            import hashlib


            def digest(f):
                return hashlib.sha256(f.read()).hexdigest()
        """,
        "shop/checks.py": """
            from . import digest as fingerprint


            def checksum(f):
                return fingerprint(f)
        """,
        "shop/keys.py": """
            from shop import checks


            def cache_key(f):
                return "photo-" + checks.checksum(f)
        """,
        "shop/models.py": """
            from django.db import models


            class Photo(models.Model):
                image = models.ImageField()
                key = models.CharField(max_length=80)
        """,
        "shop/views.py": """
            from shop.keys import cache_key
            from shop.models import Photo


            def add(request):
                upload = request.FILES["image"]
                key = cache_key(upload)
                Photo.objects.create(image=upload, key=key)
                return key
        """,
    })
    _, report = scan(root)
    assert by_code(report) == {("fileptr.E002", "shop/views.py", 8)}
    [finding] = findings(report, "fileptr.E002")
    assert "cache_key(upload), which does f.read() at shop/__init__.py:5" in finding["message"]


def test_imagekitio_4_exception_names_are_modules():
    """The fact E004 rests on: in imagekitio 4.x, `from imagekitio.exceptions import X`
    binds a module."""
    from imagekitio.exceptions import BadRequestException

    assert inspect.ismodule(BadRequestException)
    assert inspect.isclass(BadRequestException.BadRequestException)


EXCEPT_MODULE = {
    "app/storage.py": """
        from imagekitio.exceptions import BadRequestException
        from acme_cdn_sdk.exceptions import QuotaExceeded

        def upload(client, data, name):
            try:
                return client.upload_file(file=data, file_name=name)
            except BadRequestException:
                return None
            except QuotaExceeded:
                return None
    """,
}


def test_except_module_resolved_against_installed_imagekitio_4(tmp_path):
    root = write_files(tmp_path / "site", EXCEPT_MODULE)
    _, report = scan(root)
    assert by_code(report) == {("fileptr.E004", "app/storage.py", 7),
                               ("fileptr.I002", "app/storage.py", 9)}
    e004 = next(f for f in findings(report) if f["code"] == "fileptr.E004")
    assert "imagekitio.exceptions.BadRequestException" in e004["message"]
    assert "upload()" in e004["message"]
    unresolved = next(f for f in findings(report) if f["code"] == "fileptr.I002")
    assert "unresolved" in unresolved["message"]


def test_except_module_with_imagekitio_5_has_no_submodule(tmp_path):
    """imagekitio 5.x has no imagekitio.exceptions: nothing there is a module to flag."""
    root = write_files(tmp_path / "site", EXCEPT_MODULE)
    _, report = scan(root, python=IK5_PYTHON)
    assert by_code(report) == {("fileptr.I002", "app/storage.py", 9)}


def test_source_include_and_exclude_from_settings(project):
    bug = {"app/views.py": DOUBLE_READ, "legacy/views.py": DOUBLE_READ,
           "tools/views.py": DOUBLE_READ}
    root = project('UPLOAD_DIAGNOSTICS = {"SOURCE": {"EXCLUDE": ["legacy"]}}\n', bug)
    run = run_cli("fileptr", "--settings", "testsite.settings", "--project-dir", root,
                  "--format", "json", cwd=root)
    paths = {f["location"]["path"] for f in findings(run.json())}
    assert paths == {"app/views.py", "tools/views.py"}, run.output
    (root / "testsite" / "settings.py").write_text(
        (root / "testsite" / "settings.py").read_text()
        + 'UPLOAD_DIAGNOSTICS = {"SOURCE": {"INCLUDE": ["tools"]}}\n')
    run = run_cli("fileptr", "--settings", "testsite.settings", "--project-dir", root,
                  "--format", "json", cwd=root)
    assert {f["location"]["path"] for f in findings(run.json())} == {"tools/views.py"}


def test_secret_in_an_excerpted_line_is_redacted_in_every_format(tmp_path):
    key = "private_Zx81kQ0Lm3Pq7Rs2Tu9VwXy4="
    root = write_files(tmp_path / "site", {"app/storage.py": f"""
        def push(client, upload):
            client.private_key = "{key}"
            data = upload.read()
            return client.upload_file(file=upload, file_name="x")
    """})
    run, report = scan(root)
    excerpt = next(e for f in findings(report) for e in f["evidence"] if e["type"] == "code")
    assert any("client.private_key" in line for line in excerpt["lines"])
    for fmt in ("json", "sarif", "text", "md"):
        run = run_cli("fileptr", "--project-dir", root, "--format", fmt, "-v", "2")
        assert run.returncode == 1, run.output
        assert key not in run.output and key[8:20] not in run.output, fmt


@pytest.mark.parametrize("package", [django, PIL], ids=["django", "pillow"])
def test_installed_django_and_pillow_have_no_findings(package):
    """Large, correct real code: the analysis must stay silent on it."""
    root = Path(package.__file__).parent
    run, report = scan(root, "--timeout", "300")
    facts = next(c for c in report["checks"] if c["id"] == "fileptr.reuse")["facts"]
    scanned = facts["fileptr.static"]["files_scanned"]
    print(f"{package.__name__}: {scanned} files scanned")
    assert scanned > 80
    assert findings(report, "") == [], findings(report, "")[:3]
    assert run.returncode == 0


def test_every_issue_of_the_analysis_is_a_code_of_its_checks():
    source = "\n".join(p.read_text() for p in
                       Path(importlib.import_module("upload_diagnostics.checks.fileptr").__file__).parent
                       .glob("*.py") if p.name != "codes.py")
    raised = set(re.findall(r'"(fileptr\.[EWIC]\d{3})"', source))
    declared = {c.code for c in (*FilePointerReuse.codes, *MaskedErrors.codes)}
    assert raised == declared - {"fileptr.I001"}  # I001: a file that does not parse


def test_runs_in_a_project_without_python_files(tmp_path):
    (tmp_path / "empty").mkdir()
    run, report = scan(tmp_path / "empty")
    assert run.returncode == 0
    assert [c["status"] for c in report["checks"]] == ["pass", "pass"]


def test_manage_py_front_end_on_the_example(example_project):
    """The same analysis through `python manage.py diagnose_uploads` with the example's
    own settings (BASE_DIR is the scan root)."""
    run = run_manage(example_project, "fileptr", "--format", "json")
    assert run.returncode == 1, run.output
    assert {(f["code"], f["location"]["path"]) for f in findings(run.json())} == {
        ("fileptr.E002", "gallery/serializers.py"), ("fileptr.E003", "gallery/storage.py"),
        ("fileptr.W003", "gallery/views.py")}


def test_include_outside_the_project_and_an_unreadable_file(project, tmp_path):
    outside = write_files(tmp_path / "shared", {"uploads.py": DOUBLE_READ})
    root = project(f'UPLOAD_DIAGNOSTICS = {{"SOURCE": {{"INCLUDE": ["app", "{outside}"]}}}}\n',
                   {"app/views.py": DOUBLE_READ, "app/secret.py": "X = 1\n"})
    (root / "app" / "secret.py").chmod(0)
    try:
        run = run_cli("fileptr", "--settings", "testsite.settings", "--project-dir", root,
                      "--format", "json", cwd=root, as_user=True)
    finally:
        (root / "app" / "secret.py").chmod(0o644)
    report = run.report()
    assert {c["id"]: c["status"] for c in report["checks"]} == {
        "fileptr.reuse": "fail", "fileptr.masked_errors": "pass"}, run.output
    located = {(f["code"], Path(f["location"]["path"]).name) for f in findings(report)}
    assert located == {("fileptr.E001", "views.py"), ("fileptr.E001", "uploads.py")}
    # The file it could not read is named (run as a user: root reads any file).
    unread = [f["message"] for f in findings(report, "diagnostics.I001")]
    assert unread == ["A project file was not read: app/secret.py is not readable by this "
                      "user (permission denied)"]


TWICE = """
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage


    def test_saves_twice():
        content = ContentFile(b"data")
        first = content.read()
        default_storage.save("a.bin", content)
        return first
"""


def test_test_code_is_judged_only_when_source_asks(project):
    """tests/, test_*.py, *_tests.py and conftest.py are left out of the source by
    default (a test saves a consumed file on purpose); SOURCE["TESTS"] puts them back."""
    files = {"app/views.py": DOUBLE_READ, "app/tests/test_upload.py": TWICE,
             "app/test_models.py": TWICE, "app/views_tests.py": TWICE, "conftest.py": TWICE}
    root = project("", files)
    run = run_cli("fileptr", "--settings", "testsite.settings", "--project-dir", root,
                  "--format", "json", cwd=root)
    assert by_code(run.json()) == {("fileptr.E001", "app/views.py", 10)}, run.output
    (root / "testsite" / "settings.py").write_text(
        (root / "testsite" / "settings.py").read_text()
        + 'UPLOAD_DIAGNOSTICS = {"SOURCE": {"TESTS": True}}\n')
    run = run_cli("fileptr", "--settings", "testsite.settings", "--project-dir", root,
                  "--format", "json", cwd=root)
    assert by_code(run.json()) == {
        ("fileptr.E001", "app/views.py", 10), ("fileptr.E002", "app/tests/test_upload.py", 8),
        ("fileptr.E002", "app/test_models.py", 8), ("fileptr.E002", "app/views_tests.py", 8),
        ("fileptr.E002", "conftest.py", 8)}
