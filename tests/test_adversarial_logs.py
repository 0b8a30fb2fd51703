"""Broken and hostile logs given with --logs: corrupt or truncated gzip, a gzip bomb, a line
of tens of megabytes, a device, a folder, binary noise, and standard input. Each is a
finding (server.E100 for what cannot be read); memory stays flat."""
from __future__ import annotations

import gzip
import os
import zlib

import pytest

from adversarial import assert_survived, hostile_run

TIMEOUT_LINE = b"[2024-05-01 10:00:00 +0000] [1] [CRITICAL] WORKER TIMEOUT (pid:42)\n"


def run(tmp_path, *logs, stdin=None, **kw):
    args = ["server.logs", "--project-dir", tmp_path]
    for name in logs:
        args += ["--logs", name]
    return hostile_run(kw.pop("name", tmp_path.name), args, cwd=tmp_path,
                       out=tmp_path / "out", stdin=stdin, **kw)


def messages(outcome) -> list[str]:
    return [f["message"] for f in outcome.check("server.logs")["findings"]
            if f["code"] == "server.E100"]


def gz(data: bytes) -> bytes:
    return gzip.compress(data)


CORRUPT = {
    "corrupt deflate data": lambda: gz(TIMEOUT_LINE * 1000)[:10] + os.urandom(2000),
    "truncated": lambda: gz(TIMEOUT_LINE * 50_000)[:5000],
    "a bad CRC": lambda: gz(TIMEOUT_LINE)[:-8] + b"\0" * 8,
    "not gzip at all": lambda: b"plain text, not gzip\n" * 10,
    "empty": lambda: b"",
    "a header and nothing else": lambda: b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
}
WORDS = {  # what the E100 message says, per case
    "corrupt deflate data": "Error", "truncated": "EOFError", "a bad CRC": "CRC check failed",
    "not gzip at all": "Not a gzipped file", "a header and nothing else": "EOFError",
}


@pytest.mark.parametrize("case", CORRUPT)
def test_a_broken_gzip_log_is_a_finding(tmp_path, case):
    path = tmp_path / "error.log.gz"
    path.write_bytes(CORRUPT[case]())
    outcome = assert_survived(run(tmp_path, path, name=f"gzip log: {case}"),
                              returncode=0 if case == "empty" else 1)
    if case == "empty":
        assert outcome.codes("server.logs") == ["server.I101"]
    else:
        [message] = messages(outcome)
        assert message.startswith(f"The log {path} cannot be read: ") and WORDS[case] in message


def test_a_gzip_bomb_streams_in_constant_memory(tmp_path):
    path = tmp_path / "bomb.log.gz"
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    with open(path, "wb") as f:
        f.write(squeeze.compress(TIMEOUT_LINE))
        block = b"\0" * (1 << 20)
        for _ in range(1024):  # 1 GiB of zeros, without a newline, in about 1 MB
            f.write(squeeze.compress(block))
        f.write(squeeze.compress(TIMEOUT_LINE) + squeeze.flush())
    outcome = assert_survived(run(tmp_path, path, name="gzip bomb: 1 GiB of zeros",
                                  timeout=120), returncode=1)
    timeouts = outcome.finding("server.E101")
    assert timeouts["evidence"][0]["items"][0] == ["count", 2]
    assert outcome.peak_mib < 300


def test_a_log_line_of_64_mb_is_read_in_pieces(tmp_path):
    path = tmp_path / "one-line.log"
    with open(path, "wb") as f:
        f.write(b"x" * (64 << 20))
        f.write(b" client intended to send too large body\n" + TIMEOUT_LINE)
    outcome = assert_survived(run(tmp_path, path, name="a 64 MB log line"), returncode=1)
    assert {"server.E101", "server.E104"} <= set(outcome.codes("server.logs"))
    sample = outcome.finding("server.E104")["evidence"][1]["lines"][0]
    assert len(sample) <= 2000
    assert outcome.peak_mib < 300


@pytest.mark.parametrize("target, words", [("/dev/zero", "a character device"),
                                           ("/dev/urandom", "a character device"),
                                           ("folder", "a folder, not a file or a pipe"),
                                           ("missing.log", "No such file or directory")])
def test_a_log_that_is_not_a_file_is_a_finding(tmp_path, target, words):
    if target == "folder":
        (tmp_path / "folder").mkdir()
    outcome = assert_survived(run(tmp_path, target), returncode=1)
    [message] = messages(outcome)
    assert words in message


def test_a_symlinked_log_to_a_device_is_refused(tmp_path):
    (tmp_path / "error.log").symlink_to("/dev/zero")
    outcome = assert_survived(run(tmp_path, tmp_path / "error.log"), returncode=1)
    assert "a character device, not a file or a pipe" in messages(outcome)[0]


def test_binary_noise_is_read_as_a_log(tmp_path):
    path = tmp_path / "noise.log"
    path.write_bytes(os.urandom(3 << 20) + b"\n" + TIMEOUT_LINE + os.urandom(1 << 20))
    outcome = assert_survived(run(tmp_path, path), returncode=1)
    assert "server.E101" in outcome.codes("server.logs")


def test_a_log_from_standard_input(tmp_path):
    outcome = assert_survived(run(tmp_path, "-", stdin=TIMEOUT_LINE * 3), returncode=1)
    assert "3 worker(s)" in outcome.finding("server.E101")["message"]


def test_an_unreadable_log_is_a_finding(tmp_path):
    path = tmp_path / "error.log"
    path.write_bytes(TIMEOUT_LINE)
    path.chmod(0)
    outcome = assert_survived(run(tmp_path, path, as_user=True), returncode=1)
    assert "Permission denied" in messages(outcome)[0]
