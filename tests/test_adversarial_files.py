"""Hostile files in the project folder: FIFOs, devices and sockets named like the files the
checks read, symlink loops, unreadable files and folders, files past the size limit. Each
is skipped with an info finding that names it and why; nothing blocks, crashes or blows
up memory."""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from adversarial import assert_survived, hostile_run

PROCFILE = "web: gunicorn app.wsgi --timeout 20\n"
# Names of files the checks read.
NAMES = ["Procfile", "Dockerfile", "nginx.conf", "uwsgi.ini", "docker-compose.yml",
         "gunicorn.conf.py", "app/x.py", "deploy/start.sh", "requirements.txt",
         "render.yaml", "fly.toml", "k8s/deployment.yaml", "deploy/app.service"]


# requirements.txt is read for the imagekitio pin, when the project uses the SDK.
USES_IMAGEKIT = {"app/storage.py": "import imagekitio\n"}


def project(root: Path, files: dict[str, str] | None = None) -> Path:
    """A Django project folder (manage.py, a wsgi module) without settings."""
    for rel, text in {"manage.py": "", "app/__init__.py": "", "app/wsgi.py": "app = None\n",
                      **(files or {})}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def skipped(outcome, check_id: str | None = None) -> dict[str, str]:
    """{path: reason} from the diagnostics.I001 findings (of one check or all)."""
    rows = {}
    for check in outcome.json()["checks"]:
        if check_id in (None, check["id"]):
            for f in check["findings"]:
                if f["code"] == "diagnostics.I001":
                    rows.update((row[0], row[1]) for row in f["evidence"][0]["rows"])
    return rows


def neighbours(name: str) -> dict[str, str]:
    """The files around a hostile `name`: a Procfile (unless it is the one), and an
    import of the SDK when it is requirements.txt."""
    return {**({"Procfile": PROCFILE} if name != "Procfile" else {}),
            **(USES_IMAGEKIT if name == "requirements.txt" else {})}


def status(name: str) -> int:
    """The exit status: 1 where the SDK's import makes the (missing) keys an error."""
    return 1 if name == "requirements.txt" else 0


def run(tmp_path, root, *args, **kw):
    return hostile_run(kw.pop("name", tmp_path.name), ["--project-dir", root, *args],
                       cwd=tmp_path, out=tmp_path / "out", **kw)


@pytest.mark.parametrize("name", NAMES)
def test_a_fifo_named_like_a_read_file_is_skipped(tmp_path, name):
    root = project(tmp_path / "p", neighbours(name))
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(root / name)
    outcome = assert_survived(run(tmp_path, root), returncode=status(name))
    assert skipped(outcome)[name] == "a FIFO (named pipe), not a regular file"


@pytest.mark.parametrize("name", ["Procfile", "Dockerfile", "app/x.py", "nginx.conf",
                                  "docker-compose.yml", "requirements.txt"])
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_symlink_to_an_endless_device_is_skipped(tmp_path, name, device):
    root = project(tmp_path / "p", neighbours(name))
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / name).symlink_to(device)
    outcome = assert_survived(run(tmp_path, root), returncode=status(name))
    assert skipped(outcome)[name] == "a character device, not a regular file"
    assert outcome.peak_mib < 400


def test_a_unix_socket_named_procfile_is_skipped(tmp_path):
    root = project(tmp_path / "p")
    here = os.getcwd()
    os.chdir(root)  # a socket path must be short
    try:
        server = socket.socket(socket.AF_UNIX)
        server.bind("Procfile")
    finally:
        os.chdir(here)
    try:
        outcome = assert_survived(run(tmp_path, root), returncode=0)
    finally:
        server.close()
    assert skipped(outcome)["Procfile"] == "a socket, not a regular file"


@pytest.mark.parametrize("name", ["Procfile", "app/x.py", "gunicorn.conf.py", "nginx.conf",
                                  "docker-compose.yml"])
def test_a_symlink_loop_is_skipped(tmp_path, name):
    root = project(tmp_path / "p", neighbours(name))
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    (root / f"{name}.other").symlink_to(root / name)
    (root / name).symlink_to(root / f"{name}.other")
    outcome = assert_survived(run(tmp_path, root), returncode=0)
    assert skipped(outcome)[name] == "a symlink loop"


def test_a_self_referencing_symlink_and_a_dangling_one(tmp_path):
    root = project(tmp_path / "p", {"Procfile": PROCFILE})
    (root / "Dockerfile").symlink_to(root / "Dockerfile")
    (root / "app" / "gone.py").symlink_to(root / "nowhere.py")
    outcome = assert_survived(run(tmp_path, root), returncode=0)
    found = skipped(outcome)
    assert found["Dockerfile"] == "a symlink loop"
    assert found["app/gone.py"] == "a dangling symlink"
    assert outcome.check("server.config")["status"] == "warn"  # the Procfile still counts


def test_a_folder_symlink_loop_and_a_link_to_dev_are_not_walked(tmp_path):
    root = project(tmp_path / "p", {"Procfile": PROCFILE})
    (root / "app" / "again").symlink_to(root)
    (root / "dev").symlink_to("/dev")
    (root / "proc").symlink_to("/proc")
    outcome = assert_survived(run(tmp_path, root), returncode=0)
    assert skipped(outcome) == {}
    assert "server.I001" in outcome.codes("server.config")


@pytest.mark.parametrize("name", ["Procfile", "app/x.py", "nginx.conf", "requirements.txt",
                                  "docker-compose.yml", "deploy/start.sh"])
def test_an_unreadable_file_is_skipped(tmp_path, name):
    root = project(tmp_path / "p", {"Procfile": "web: sh deploy/start.sh\n",
                                     "deploy/start.sh": "exec gunicorn app.wsgi\n",
                                     name: "server { location / { proxy_pass http://a; } }\n"
                                     if name == "nginx.conf" else "imagekitio==4.2.0\n",
                                     **neighbours(name)})
    (root / name).chmod(0)
    outcome = assert_survived(run(tmp_path, root, as_user=True), returncode=status(name))
    assert skipped(outcome)[name] == "not readable by this user (permission denied)"


def test_an_unreadable_folder_and_virtualenv_config(tmp_path):
    root = project(tmp_path / "p", {"Procfile": PROCFILE, "secret/x.py": "x = 1\n",
                                     "venv2/pyvenv.cfg": "home = /usr\n",
                                     "venv2/lib/site.py": "y = 2\n"})
    (root / "secret").chmod(0)
    (root / "venv2" / "pyvenv.cfg").chmod(0)
    try:
        outcome = assert_survived(run(tmp_path, root, as_user=True), returncode=0)
    finally:
        (root / "secret").chmod(0o755)
    assert skipped(outcome)["secret"] == "a folder not readable by this user (permission denied)"
    assert "venv2/lib/site.py" not in skipped(outcome)  # still known as a virtualenv
    assert outcome.check("fileptr.reuse")["status"] == "pass"


@pytest.mark.parametrize("name", ["Procfile", "Dockerfile", "app/big.py", "nginx.conf",
                                  "requirements.txt", "docker-compose.yml"])
def test_a_huge_sparse_file_is_skipped_unread(tmp_path, name):
    root = project(tmp_path / "p", neighbours(name))
    (root / name).parent.mkdir(parents=True, exist_ok=True)
    with open(root / name, "wb") as f:
        f.truncate(2 * 1024 ** 3)  # 2 GiB of holes: instant to make, slow to read
    outcome = assert_survived(run(tmp_path, root, name=f"sparse 2 GiB {name}"),
                              returncode=status(name))
    assert skipped(outcome)[name] == "2147483648 bytes, over the limit of 1048576 " \
                                     "(--max-file-size)"
    assert outcome.seconds < 30 and outcome.peak_mib < 400


def test_a_5_mb_single_line_source_is_skipped_by_default(tmp_path):
    root = project(tmp_path / "p", {"Procfile": PROCFILE})
    (root / "app" / "data.py").write_text("DATA = [" + "1," * 2_500_000 + "]\n")
    outcome = assert_survived(run(tmp_path, root, name="5 MB single-line source"),
                              returncode=0)
    assert skipped(outcome, "fileptr.reuse")["app/data.py"].startswith("5000010 bytes, over")
    assert outcome.peak_mib < 400  # parsing it would take about 2.5 GB


@pytest.mark.parametrize("how", ["flag", "setting"])
def test_the_size_limit_is_settable(tmp_path, how):
    files = {"Procfile": PROCFILE, "app/views.py": "def upload(request):\n"
             "    f = request.FILES['f']\n    f.read()\n    return f.read()\n" + "#\n" * 200}
    if how == "setting":
        files["app/settings.py"] = ("SECRET_KEY = 'x'\nINSTALLED_APPS = []\n"
                                    "UPLOAD_DIAGNOSTICS = {'MAX_FILE_BYTES': 100}\n")
        args = ["--settings", "app.settings", "fileptr"]
    else:
        args = ["--max-file-size", "100", "fileptr"]
    root = project(tmp_path / "p", files)
    outcome = assert_survived(run(tmp_path, root, *args), returncode=0)
    assert skipped(outcome, "fileptr.reuse")["app/views.py"] == \
        f"{(root / 'app/views.py').stat().st_size} bytes, over the limit of 100 " \
        + ("(--max-file-size)" if how == "flag" else '(UPLOAD_DIAGNOSTICS["MAX_FILE_BYTES"])')
    raised = assert_survived(run(tmp_path, root, "--max-file-size", "1M", "fileptr",
                                 name="raised limit"), returncode=1)
    assert "fileptr.E001" in raised.codes("fileptr.reuse")  # read twice: now found


@pytest.mark.parametrize("value", ["0", "-5", "lots", "1.5"])
def test_an_unusable_size_limit_is_a_usage_error(tmp_path, value):
    root = project(tmp_path / "p")
    outcome = assert_survived(run(tmp_path, root, "--max-file-size", value, formats=False),
                              returncode=2)
    assert "--max-file-size" in outcome.stderr and "Traceback" not in outcome.stderr
