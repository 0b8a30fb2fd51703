"""YAML bombs and huge deployment files: a "billion laughs" or a recursive alias is refused
with a finding naming the file, a 20,000-service compose file is read in linear time, and
scripts that start each other in a fan are followed once."""
from __future__ import annotations

import pytest

from adversarial import assert_survived, hostile_run
from test_adversarial_files import project

ROOT_LAUGH = 'x-lol0: &lol0 "lol"'


def laughs(levels: int = 9, width: int = 9, indent: str = "") -> str:
    """Anchors that each alias the previous one `width` times: the last stands for
    width**levels strings."""
    lines = [indent + ROOT_LAUGH]
    for i in range(1, levels + 1):
        refs = ", ".join([f"*lol{i - 1}"] * width)
        lines.append(f"{indent}x-lol{i}: &lol{i} [{refs}]")
    return "\n".join(lines) + "\n"


BOMBS = {
    "docker-compose.yml (command)": ("docker-compose.yml", laughs() + "services:\n"
                                     "  web:\n    command: *lol9\n"),
    "docker-compose.yml (environment)": ("docker-compose.yml", laughs() + "services:\n"
                                         "  web:\n    command: gunicorn app.wsgi\n"
                                         "    environment: *lol9\n"),
    "docker-compose.yml (services)": ("docker-compose.yml", laughs() + "services: *lol9\n"),
    "compose.yaml (wide)": ("compose.yaml", laughs(levels=4, width=60) + "services:\n"
                            "  web:\n    command: *lol4\n"),
    "kubernetes manifest": ("k8s/app.yaml", "kind: Deployment\n" + laughs()
                            + "spec:\n  template:\n    spec:\n      containers: *lol9\n"),
    "render.yaml": ("render.yaml", laughs() + "services: *lol9\n"),
    "app.yaml": ("app.yaml", laughs() + "entrypoint: gunicorn app.wsgi\n"
                 "env_variables: *lol9\n"),
}
RECURSIVE = {
    "a sequence that holds itself": "services:\n  web:\n    command: &a [gunicorn, *a]\n",
    "a mapping that holds itself": "services: &s\n  web:\n    command: gunicorn app.wsgi\n"
                                   "    depends_on: *s\n",
}


def run(tmp_path, root, *args, **kw):
    return hostile_run(kw.pop("name", tmp_path.name), ["--project-dir", root, "server", *args],
                       cwd=tmp_path, out=tmp_path / "out", **kw)


def problem(outcome, path: str) -> dict:
    return next(f for f in outcome.check("server.config")["findings"]
                if f["code"] == "server.E005" and f["location"]["path"] == path)


@pytest.mark.parametrize("case", BOMBS)
def test_a_billion_laughs_is_refused(tmp_path, case):
    path, text = BOMBS[case]
    root = project(tmp_path / "p", {path: text, "Procfile": "web: gunicorn app.wsgi\n"})
    outcome = assert_survived(run(tmp_path, root, name=f"billion laughs: {case}"),
                              returncode=1)
    assert "a 'billion laughs' document" in problem(outcome, path)["message"]
    assert outcome.peak_mib < 400
    assert "server.I001" in outcome.codes("server.config")  # the Procfile still counts


@pytest.mark.parametrize("case", RECURSIVE)
def test_a_recursive_alias_is_refused(tmp_path, case):
    root = project(tmp_path / "p", {"docker-compose.yml": RECURSIVE[case]})
    outcome = assert_survived(run(tmp_path, root), returncode=1)
    assert "a recursive YAML document" in problem(outcome, "docker-compose.yml")["message"]


def test_a_uwsgi_yaml_bomb_is_a_config_error(tmp_path):
    root = project(tmp_path / "p", {"deploy/uwsgi.yaml": laughs() + "uwsgi:\n"
                                    "  harakiri: 30\n  module: app.wsgi\n  extra: *lol9\n",
                                    "Procfile": "web: uwsgi --yaml deploy/uwsgi.yaml\n"})
    outcome = assert_survived(run(tmp_path, root), returncode=1)
    [error] = [f for f in outcome.check("server.config")["findings"]
               if f["code"] == "server.E003"]
    assert "a 'billion laughs' document" in error["message"]


def test_anchors_used_the_usual_way_still_work(tmp_path):
    services = "".join(f"  web{i}:\n    <<: *common\n    command: gunicorn app.wsgi "
                       f"--timeout {20 + i}\n" for i in range(50))
    root = project(tmp_path / "p", {"docker-compose.yml": "x-common: &common\n"
                                    "  image: app\n  environment:\n    A: '1'\n"
                                    "services:\n" + services})
    outcome = assert_survived(run(tmp_path, root), returncode=0)
    launches = outcome.finding("server.I001")["evidence"][0]["rows"]
    assert len(launches) == 50
    assert launches[3][:2] == ["docker-compose.yml:17", "docker-compose"]


def compose(services: int) -> str:
    lines = ["services:"]
    for i in range(services):
        lines += [f"  svc{i}:", f"    image: app:{i}",
                  f"    command: gunicorn app.wsgi --timeout {i % 90 + 10} --workers 2",
                  "    environment:", f'      PORT: "{8000 + i % 100}"',
                  f'      WEB_CONCURRENCY: "{i % 8 + 1}"']
    return "\n".join(lines) + "\n"


def test_a_compose_file_of_20000_services_is_read_in_linear_time(tmp_path):
    root = project(tmp_path / "p", {"docker-compose.yml": compose(20_000)})
    size = (root / "docker-compose.yml").stat().st_size
    outcome = assert_survived(run(tmp_path, root, "--max-file-size", "5M",
                                  name="compose of 20,000 services (3 MB)"), returncode=0)
    rows = outcome.finding("server.I001")["evidence"][0]["rows"]
    assert rows[0] == ["docker-compose.yml:4", "docker-compose", "gunicorn",
                       "gunicorn app.wsgi --timeout 10 --workers 2"]
    assert rows[-1][-1] == "and 19,900 more commands"
    assert size > 2_500_000 and outcome.check("server.config")["duration_s"] < 60


def test_a_compose_file_over_the_size_limit_is_skipped(tmp_path):
    root = project(tmp_path / "p", {"docker-compose.yml": compose(20_000)})
    outcome = assert_survived(run(tmp_path, root), returncode=0)
    [note] = [f for f in outcome.check("server.config")["findings"]
              if f["code"] == "diagnostics.I001"]
    assert note["evidence"][0]["rows"][0][0] == "docker-compose.yml"
    assert "server.W001" in outcome.codes("server.config")  # no start command known


def test_a_deeply_nested_document_is_a_finding(tmp_path):
    root = project(tmp_path / "p", {"docker-compose.yml": "services: " + "[" * 50_000
                                    + "]" * 50_000 + "\n"})
    outcome = assert_survived(run(tmp_path, root), returncode=1)
    assert problem(outcome, "docker-compose.yml")


def test_scripts_that_start_each_other_in_a_fan_are_followed_once(tmp_path):
    files = {"Procfile": "web: sh deploy/s0.sh\n"}
    for i in range(40):
        files[f"deploy/s{i}.sh"] = f"sh deploy/s{i + 1}.sh\nsh deploy/s{i + 1}.sh\n"
    files["deploy/s40.sh"] = "exec gunicorn app.wsgi --timeout 25\n"
    root = project(tmp_path / "p", files)
    outcome = assert_survived(run(tmp_path, root, name="2**40 script paths"), returncode=0)
    first = outcome.finding("server.I001")["evidence"][0]["rows"][0]
    assert first[0].startswith("Procfile:1 -> deploy/s0.sh:1") and first[0].endswith(
        "deploy/s40.sh:1")
