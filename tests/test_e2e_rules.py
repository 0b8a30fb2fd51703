"""The end-to-end check's parts one by one, in this process with real Django files and
storages: the read tracker (who left a stream where, which read came back empty, which save
started mid-stream), the recording storage that reads content the way remote SDKs do, and
the prefixed storage that must delete every name it wrote. (test_e2e_tracker.py and
test_e2e_faults.py drive the same parts through real requests.)"""
from __future__ import annotations

import io
import os
import re
import threading
from pathlib import Path

import django
import pytest
from django.conf import settings
from PIL import Image

if not settings.configured:
    settings.configure(USE_TZ=True, INSTALLED_APPS=["django.contrib.contenttypes"],
                       DATABASES={})
    django.setup()

from django.core.files.base import ContentFile, File  # noqa: E402
from django.core.files.storage import FileSystemStorage  # noqa: E402
from django.core.files.uploadedfile import InMemoryUploadedFile  # noqa: E402
from django.core.files.uploadhandler import StopFutureHandlers  # noqa: E402

from upload_diagnostics.checks.e2e import recording, tracker as tracking  # noqa: E402
from upload_diagnostics.diagnostics.roundtrip import no_answer  # noqa: E402
from upload_diagnostics.checks.e2e.recording import (  # noqa: E402
    NameSearchLoop, PrefixedStorage, Recorder, RecordingStorage, StandIn, describe_image)
from upload_diagnostics.checks.e2e.tracker import (  # noqa: E402
    OWN_CODE, Event, Frame, StreamLog, Tracker, TrackingIO, position_of, track)

HERE = Path(__file__).resolve().parent
THIS = Path(__file__).name


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 200, 30)).save(out, "JPEG")
    return out.getvalue()


def upload(data: bytes = b"0123456789", name="photo.jpg") -> InMemoryUploadedFile:
    return InMemoryUploadedFile(io.BytesIO(data), "image", name, "image/jpeg", len(data),
                                None)


@pytest.fixture
def tracker() -> Tracker:
    return Tracker(HERE)  # this test file is the "project's own code"


def line_of(mark: str) -> int:
    """The line of this file that ends with the comment `# mark` (a call site)."""
    lines = Path(__file__).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.endswith(f"# {mark}"))


# -- frames -------------------------------------------------------------------------------

def test_frames_name_the_project_line_and_not_libraries_or_the_tool(tracker):
    assert str(Frame(OWN_CODE, 3, "run")) == f"{OWN_CODE} (run)"
    assert str(Frame("app/views.py", 12, "upload")) == "app/views.py:12 in upload"
    assert tracker._file(__file__) == (THIS, True)
    assert tracker._file(tracking.__file__) == (OWN_CODE, False)
    assert tracker._file(django.__file__) == ("django/__init__.py", False)
    assert tracker._file(io.__file__) == ("io.py", False)
    assert tracker._file("<string>") == ("<string>", False)
    assert tracker.is_project(__file__) and not tracker.is_project(os.__file__)
    outside = Tracker(HERE / "plugins")
    assert outside._file(__file__) == (__file__, False)


def test_an_event_is_told_at_the_nearest_project_frame(tracker):
    site, chain = tracker.frames()
    assert (site.path, site.function, site.in_project) == (THIS, "test_an_event_is_told_at_"
                                                          "the_nearest_project_frame", True)
    assert chain[0] == site and len(chain) <= tracking.CHAIN_DEPTH
    here = tracker.project_frame()  # @project-frame
    assert here == Frame(THIS, line_of("@project-frame"), site.function)
    assert Event("read", "s", site, (), 0, 0, "").frame is None
    assert Event("read", "s", site, chain, 0, 0, "").frame == chain[0]

    def deep(n):
        return tracker.frames()[1] if n == 0 else deep(n - 1)
    assert len(deep(10)) == tracking.CHAIN_DEPTH


def test_a_stream_log_owner_is_the_call_that_moved_it():
    log = StreamLog("s")
    first = Event("read", "s", Frame("a.py", 1, "f"), (), 0, 0, "")
    log.moved(first, 10)
    assert (log.owner, log.ends) == (first, {10: first})
    back = Event("seek", "s", Frame("a.py", 2, "f"), (), 10, 0, "")
    log.moved(back, 0)
    assert (log.owner, log.ends) == (None, {10: first})


# -- reads ----------------------------------------------------------------------------------

def consume(f):
    return f.read()  # @consume


def test_a_read_at_the_end_left_by_another_call_is_a_problem(tracker):
    f = track(upload(), tracker)
    assert consume(f) == b"0123456789"
    assert f.read() == b""  # @empty-read
    [problem] = tracker.problems
    assert (problem.kind, problem.stream) == ("eof_read", "photo.jpg (InMemoryUploadedFile)")
    assert problem.event.site.line == line_of("@empty-read")
    assert problem.earlier.site.line == line_of("@consume")
    assert problem.earlier.nbytes == 10 and problem.log.owner is problem.earlier
    assert [e.op for e in problem.log.events] == ["read", "read"]


def test_reading_on_to_the_end_in_one_place_is_no_problem(tracker):
    f = track(upload(b"x" * 10), tracker)
    while f.read(4):
        pass
    assert tracker.problems == []
    [event] = tracker.streams[id(f.file)].events
    assert (event.op, event.calls, event.nbytes, event.position) == ("read", 4, 10, 0)


def test_no_problem_after_a_rewind_for_a_zero_size_read_or_on_an_empty_stream(tracker):
    f = track(upload(), tracker)
    consume(f)
    f.seek(0)
    assert f.read(0) == b"" and f.read() == b"0123456789"
    assert f.read(0) == b""
    empty = track(upload(b""), tracker)
    assert empty.read() == b""
    assert tracker.problems == []


def test_a_seek_back_to_where_a_library_left_it_keeps_that_owner(tracker):
    f = track(upload(), tracker)
    consume(f)
    f.seek(3)
    f.seek(0, os.SEEK_END)  # back to 10: the consuming read still owns the position
    log = tracker.streams[id(f.file)]
    assert log.owner.op == "read" and log.owner.site.function == "consume"
    assert [e.detail for e in log.events if e.op == "seek"] == ["seek(3)", "seek(0, 2)"]
    assert f.read() == b""
    assert tracker.problems[0].earlier.site.function == "consume"


def test_writes_tells_and_repeats(tracker):
    stream = TrackingIO(io.BytesIO(), tracker, "buffer")
    assert [(stream.write(part), stream.tell()) for part in (b"abc", b"de")] == [(3, 3), (2, 5)]
    log = tracker.streams[id(stream)]
    [event] = log.events  # one line of this test, merged: still a write
    assert (event.op, event.calls, event.nbytes) == ("write", 4, 5)
    assert log.owner is event and log.ends == {3: event, 5: event}
    stream.seek(0)
    assert stream.readline() == b"abcde" and stream.readline() == b""
    stream.seek(0)
    assert stream.readlines() == [b"abcde"] and list(iter(stream)) == []
    stream.seek(0)
    assert stream.read(None) == b"abcde"
    assert stream.getvalue() == b"abcde"  # anything else reaches the raw stream
    with stream as same:
        assert same is stream
    assert stream.closed


def test_a_tell_between_reads_does_not_split_them(tracker):
    stream = TrackingIO(io.BytesIO(b"abcdef"), tracker, "s")
    stream.tell(); stream.read(2); stream.tell(); stream.read(2)  # noqa: E702
    [event] = tracker.streams[id(stream)].events
    assert (event.op, event.calls, event.nbytes) == ("read", 4, 4)


def test_events_per_stream_are_capped(tracker):
    stream = TrackingIO(io.BytesIO(b"ab"), tracker, "s")
    for _ in range(tracking.MAX_EVENTS + 5):
        stream.seek(0)
    assert len(tracker.streams[id(stream)].events) == tracking.MAX_EVENTS


def test_library_calls_for_one_project_line_merge(tracker):
    f = track(File(io.BytesIO(jpeg()), name="p.jpg"), tracker)
    with Image.open(f) as image:  # @pillow-open
        image.load()  # @pillow-load
    log = tracker.streams[id(f.file)]
    reads = [e for e in log.events if e.op == "read"]
    assert len(reads) <= 3 and all(not e.site.in_project for e in reads)
    assert {e.frame.line for e in reads} <= {line_of("@pillow-open"), line_of("@pillow-load")}
    assert sum(e.calls for e in reads) > len(reads)  # Pillow's many reads, merged


def test_a_stream_the_project_made(tracker):
    stream = TrackingIO(io.BytesIO(b"abc"), tracker, "BytesIO")
    tracker.made(stream, 3, "BytesIO(b'abc')")  # @made
    log = tracker.streams[id(stream)]
    line = line_of("@made")
    assert log.name == f"BytesIO made at {THIS}:{line} in test_a_stream_the_project_made"
    assert log.owner.op == "made" and log.owner.detail == "BytesIO(b'abc')"
    other = TrackingIO(io.BytesIO(), tracker, "other")
    tracker.made(other, 0, "BytesIO()")
    assert tracker.streams[id(other)].owner is None


# -- saves ----------------------------------------------------------------------------------

def test_a_save_at_position_zero_is_fine_and_mid_stream_is_a_problem(tracker):
    f = track(upload(), tracker)
    with tracker.saving(f, "a.jpg", "default") as problem:
        assert problem is None and tracker.streams[id(f.file)].saving == 1
        f.read(); f.read()  # noqa: E702 - the storage's own reads are not problems
    assert tracker.streams[id(f.file)].saving == 0 and tracker.problems == []
    f.seek(4)
    consume(f)
    with tracker.saving(f, "b.jpg", "media") as problem:
        pass
    assert problem is tracker.problems[0]
    assert (problem.kind, problem.storage, problem.name) == ("save_not_at_start", "media",
                                                             "b.jpg")
    assert problem.event.position == 10 and problem.event.detail == "media.save('b.jpg')"
    assert problem.earlier.site.function == "consume"
    assert problem.log.events[-1] is problem.event


def test_a_save_of_an_untracked_file_tracks_it(tracker):
    f = upload()
    f.read(3)
    with tracker.saving(f, "c.jpg", "default") as problem:
        pass
    assert isinstance(f.file, TrackingIO)
    assert (problem.stream, problem.event.position, problem.earlier) == (
        "photo.jpg (InMemoryUploadedFile)", 3, None)
    plain = io.BytesIO(b"abc")
    plain.read()
    with tracker.saving(plain, "d.bin", "default") as problem:
        pass
    assert (problem.stream, problem.log) == ("d.bin", None)


def test_positions_without_recording_a_tell(tracker):
    f = track(upload(), tracker)
    f.read(4)
    assert position_of(f) == 4
    assert tracker.streams[id(f.file)].events[-1].op == "read"
    assert position_of(io.BytesIO(b"ab")) == 0
    assert position_of(object()) is None
    closed = io.BytesIO()
    closed.close()
    assert position_of(closed) is None


def test_track_once_and_labels(tracker):
    f = upload()
    assert track(f, tracker) is f
    inner = f.file
    assert track(f, tracker).file is inner  # not wrapped twice
    nameless = File(io.BytesIO(b"x"))
    track(nameless, tracker)
    assert tracker.streams[id(nameless.file)].name == "File"
    track(File(io.BytesIO(b"y")), tracker, name="given")
    assert track(None, tracker) is None
    assert "given" in [log.name for log in tracker.streams.values()]


def test_upload_handlers_track_what_they_produce(tracker):
    paths = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]
    dotted = tracking.handler_paths(paths)
    assert dotted == [f"{tracking.__name__}.Tracking_django_core_files_uploadhandler_"
                      "MemoryFileUploadHandler"]
    assert tracking.handler_paths(paths) == dotted
    [handler] = tracking.handlers(paths)
    assert handler.chunk_size == 64 * 2 ** 10  # the wrapped handler's own attributes
    handler.handle_raw_input(io.BytesIO(), {}, 3, "boundary", None)
    with pytest.raises(StopFutureHandlers):  # (it takes the file: in memory)
        handler.new_file("image", "p.jpg", "image/jpeg", 3, None)
    handler.receive_data_chunk(b"abc", 0)
    assert tracking.current() is None
    with tracking.active(tracker) as active:
        assert active is tracker and tracking.current() is tracker
        done = handler.file_complete(3)
    assert tracking.current() is None
    assert isinstance(done.file, TrackingIO) and done.read() == b"abc"
    with pytest.raises(StopFutureHandlers):
        handler.new_file("image", "q.jpg", "image/jpeg", 3, None)
    handler.receive_data_chunk(b"def", 0)
    assert not isinstance(handler.file_complete(3).file, TrackingIO)  # no tracker active


# -- recording storage --------------------------------------------------------------------

def test_describe_image():
    assert describe_image(b"") == (None, "0 bytes")
    assert describe_image(jpeg()) == ("JPEG", "")
    fmt, why = describe_image(b"not an image")
    assert fmt is None and why.startswith("UnidentifiedImageError: cannot identify image file")


def test_the_recording_storage_reads_from_where_the_stream_stands(tracker):
    recorder = Recorder(tracker)
    storage = RecordingStorage(recorder, "default")
    data = jpeg()
    f = track(upload(data, "p.jpg"), tracker)
    consume(f)
    name = storage.save("photos/p.jpg", f)  # @save
    assert name == "photos/p.jpg" and storage.objects[name] == b""  # stored empty
    [problem] = tracker.problems
    assert (problem.kind, problem.name) == ("save_not_at_start", name)
    [stored] = recorder.stored
    assert (stored.storage, stored.name, stored.nbytes, stored.image, stored.problem,
            stored.content, stored.sent) == ("default", name, 0, None, "0 bytes",
                                             "p.jpg (InMemoryUploadedFile)", len(data))
    f.seek(0)
    again = storage.save("photos/p.jpg", f)
    assert again != name and again.startswith("photos/p_")  # exists() said taken
    assert recorder.stored[-1].image == "JPEG" and recorder.stored[-1].nbytes == len(data)
    assert storage.size(again) == len(data) and storage.exists(again)
    assert storage.url(again) == f"memory://default/{again}"
    with storage.open(again) as opened:
        assert opened.read() == data
    assert storage.listdir("photos") == ([], sorted(n.split("/")[1] for n in (name, again)))
    assert storage.listdir("") == (["photos"], [])
    storage.delete(name)
    storage.delete("never-saved.jpg")
    assert not storage.exists(name)
    with pytest.raises(KeyError):
        storage.open(name)
    assert storage.listdir("photos/") == storage.listdir("photos")
    ops = [(c.op, c.name, c.nbytes) for c in recorder.calls]
    assert {op for op, _, _ in ops} == {"exists", "save", "size", "url", "open", "delete"}
    assert ops[0] == ("exists", name, None) and ("save", name, 0) in ops
    assert ("size", again, len(data)) in ops and ("open", again, len(data)) in ops
    assert ops[-2:] == [("exists", name, None), ("open", name, None)]
    assert recorder.calls[-1].error == f"KeyError: {name!r}"
    assert [c.error for c in recorder.calls[:-1]] == [None] * (len(recorder.calls) - 1)
    assert all(0 <= c.seconds < 3600 for c in recorder.calls)  # a duration, not a clock
    assert recorder.stage_timeout == 30.0  # the default limit of a name search
    save = next(c for c in recorder.calls if c.op == "save")
    assert save.frame.line == line_of("@save")
    assert problem.event.site == Frame(THIS, line_of("@save"), save.frame.function)
    mark = recorder.mark()
    storage.exists("x")
    assert [c.op for c in recorder.since(mark)] == ["exists"] and recorder.since(mark + 1) == []
    storage.save("BOX/b.jpg", ContentFile(b"b"))
    assert storage.listdir("BOX/") == ([], ["b.jpg"])


def test_recorder_keeps_the_content_label(tracker):
    recorder = Recorder(tracker, stage_timeout=5)
    recorder.keep("s", "n.jpg", b"", io.BytesIO())
    recorder.keep("s", "m.jpg", jpeg(), ContentFile(b"abc", name="c.jpg"))
    assert [(s.content, s.sent) for s in recorder.stored] == [
        ("n.jpg (BytesIO)", None), ("c.jpg (ContentFile)", 3)]
    assert recorder.stage_timeout == 5


# -- prefixed storage (--e2e) ---------------------------------------------------------------

def prefixed(tmp_path, tracker, storage=None, prefix="upload-diagnostics/run1/"):
    media = tmp_path / "media"
    real = storage or FileSystemStorage(location=str(media), base_url="/media/")
    return PrefixedStorage(Recorder(tracker), "default", lambda: real, prefix), media


def test_prefixed_storage_writes_under_its_prefix_and_deletes_everything(tmp_path, tracker):
    storage, media = prefixed(tmp_path, tracker)
    data = jpeg()
    name = storage.save("photos/p.jpg", ContentFile(data, name="p.jpg"))
    assert name == "upload-diagnostics/run1/photos/p.jpg"
    assert storage.save("/upload-diagnostics/run1/q.jpg", ContentFile(b"q")) == \
        "upload-diagnostics/run1/q.jpg"
    assert storage.save(None, ContentFile(b"r", name="r.jpg")) == \
        "upload-diagnostics/run1/r.jpg"
    assert storage.save("Xray.jpg", ContentFile(b"x")) == "upload-diagnostics/run1/Xray.jpg"
    assert (media / name).read_bytes() == data
    assert storage.exists("photos/p.jpg") and storage.size("photos/p.jpg") == len(data)
    assert storage.url("photos/p.jpg") == f"/media/{name}"
    assert storage.path("photos/p.jpg") == str(media / name)
    dirs, files = storage.listdir("")
    assert (dirs, sorted(files)) == (["photos"], ["Xray.jpg", "q.jpg", "r.jpg"])
    assert storage.get_valid_name("a b.jpg") == "a_b.jpg"
    with storage.open("photos/p.jpg") as f:
        assert f.read() == data
    [stored, *_] = storage.recorder.stored
    assert (stored.name, stored.nbytes, stored.image) == (name, len(data), "JPEG")
    (media / "upload-diagnostics/run1/photos/left-by-a-failed-save.jpg").write_bytes(b"x")
    assert storage.cleanup() == []
    assert not media.exists()  # the prefix folders and MEDIA_ROOT, made by the saves
    with pytest.raises(RuntimeError, match="^the check was stopped; nothing more is written$"):
        storage.save("late.jpg", ContentFile(b"x"))
    sizes = [c.nbytes for c in storage.recorder.calls if c.op in ("size", "save")]
    assert sizes == [len(data), 1, 1, 1, len(data)]


def test_an_existing_media_root_stays(tmp_path, tracker):
    storage, media = prefixed(tmp_path, tracker)
    media.mkdir()
    storage.delete("nothing.jpg")
    storage.save("a.jpg", ContentFile(b"a"))
    assert storage.cleanup() == [] and media.is_dir() and list(media.iterdir()) == []


def test_cleanup_before_any_use_touches_nothing(tmp_path, tracker):
    storage, media = prefixed(tmp_path, tracker, storage=None)
    made = []
    storage._factory = lambda: made.append(1)
    assert storage.cleanup() == [] and made == []


class Stubborn(FileSystemStorage):
    """A real local storage whose delete fails for one name, or leaves it."""

    def __init__(self, fail: str, mode: str, **kwargs):
        super().__init__(**kwargs)
        self.fail, self.mode = fail, mode

    def delete(self, name):
        if name.endswith(self.fail):
            if self.mode == "raise":
                raise PermissionError("read-only bucket")
            return
        super().delete(name)


@pytest.mark.parametrize("mode,why", [
    ("raise", "PermissionError: read-only bucket"), ("ignore", "still exists after delete"),
])
def test_a_name_that_stays_is_reported(tmp_path, tracker, mode, why):
    real = Stubborn("keep.jpg", mode, location=str(tmp_path / "media"))
    storage, _ = prefixed(tmp_path, tracker, storage=real)
    storage.save("keep.jpg", ContentFile(b"k"))
    storage.save("zz-go.jpg", ContentFile(b"g"))  # after keep.jpg: the deletes go on
    [left] = storage.cleanup()
    assert (left.code, left.level.label) == ("diagnostics.C002", "critical")
    assert left.message == ("1 test object(s) could not be deleted from storage 'default': "
                            f"upload-diagnostics/run1/keep.jpg ({why})")
    assert "diagnose-uploads --cleanup --yes" in left.hint
    assert "upload-diagnostics/run1/" in left.hint
    assert storage.trip.left == [("upload-diagnostics/run1/keep.jpg", why)]
    assert not (tmp_path / "media/upload-diagnostics/run1/zz-go.jpg").exists()
    assert storage.trip.maybe_left == []  # listable: nothing is in doubt


class NoAnswer(FileSystemStorage):
    """A storage whose save stores the file, then loses the connection; it cannot list."""

    def _save(self, name, content):
        stored = super()._save(name, content)
        try:
            raise OSError("socket closed")
        except OSError as exc:
            raise RuntimeError(f"upload of {stored} failed") from ConnectionResetError(
                "Connection reset by peer") if "reset" in name else exc

    def listdir(self, path):
        raise NotImplementedError("no listing")


def test_a_save_that_got_no_answer_is_in_doubt_when_the_storage_cannot_list(tmp_path,
                                                                           tracker):
    storage, _ = prefixed(tmp_path, tracker, storage=NoAnswer(location=str(tmp_path / "m")))
    for name in ("reset.jpg", "other.jpg"):
        with pytest.raises(RuntimeError):
            storage.save(name, ContentFile(b"x"))
    why = "RuntimeError: upload of upload-diagnostics/run1/reset.jpg failed"
    assert storage.trip.unanswered == {"upload-diagnostics/run1/reset.jpg": why}
    [maybe] = storage.cleanup()
    assert (maybe.code, maybe.level.label) == ("diagnostics.C003", "critical")
    assert storage.trip.left == []
    assert storage.trip.maybe_left == [("upload-diagnostics/run1/reset.jpg", why)]
    assert "cannot list upload-diagnostics/run1/ to tell (NotImplementedError: no " \
        "listing)" in maybe.hint


@pytest.mark.parametrize("error,answered", [
    (ConnectionResetError("reset"), False), (TimeoutError("slow"), False),
    (type("ReadTimeout", (Exception,), {})("t"), False),
    (type("ConnectionClosed", (Exception,), {})("c"), False),
    (type("ServerDisconnectedError", (Exception,), {})("d"), False),
    (ValueError("bad name"), True), (PermissionError("denied"), True)])
def test_which_errors_mean_no_answer_came(error, answered):
    assert no_answer(error) is not answered
    wrapped = RuntimeError("upload failed")
    wrapped.__context__ = error
    assert no_answer(wrapped) is not answered


def test_no_answer_looks_ten_causes_deep():
    def chain(depth):
        error = TimeoutError("slow")
        for n in range(depth):
            outer = ValueError(n)
            outer.__cause__ = error
            error = outer
        return error
    assert no_answer(chain(9)) is True
    assert no_answer(chain(10)) is False


def test_a_save_still_running_at_cleanup_is_reported(tmp_path, tracker):
    started, release = threading.Event(), threading.Event()

    class Slow(FileSystemStorage):
        def _save(self, name, content):
            started.set()
            release.wait(10)
            return super()._save(name, content)

    storage, _ = prefixed(tmp_path, tracker, storage=Slow(location=str(tmp_path / "m")))
    saving = threading.Thread(target=storage.save, args=("slow.jpg", ContentFile(b"s")))
    saving.start()
    started.wait(10)
    [maybe] = storage.cleanup(wait=0.05)
    assert maybe.code == "diagnostics.C003" and storage.trip.left == []
    assert storage.trip.maybe_left == [("upload-diagnostics/run1/slow.jpg",
                                        "still being written when the check was stopped")]
    release.set()
    saving.join(10)


def test_the_problem_of_a_prefixed_save_names_what_was_stored(tmp_path, tracker):
    storage, _ = prefixed(tmp_path, tracker)
    f = track(upload(jpeg()), tracker)
    consume(f)
    name = storage.save("photo.jpg", f)
    assert tracker.problems[0].name == name == "upload-diagnostics/run1/photo.jpg"
    storage.cleanup()


class AlwaysTaken(FileSystemStorage):
    def exists(self, name):
        return True


def test_a_name_search_that_never_ends_raises(tmp_path, tracker):
    storage, _ = prefixed(tmp_path, tracker, storage=AlwaysTaken(location=str(tmp_path / "m")))
    with pytest.raises(NameSearchLoop) as caught:
        storage.save("p.jpg", ContentFile(b"p"))
    assert caught.value.count == recording.NAME_SEARCH_LIMIT == 1000
    assert re.fullmatch(rf"default\.exists\(\) returned True for "
                        rf"{recording.NAME_SEARCH_LIMIT} candidate names in \d+\.\d\d s "
                        r"\(last: 'upload-diagnostics/run1/p_\w{7}\.jpg'\)", str(caught.value))
    assert "exists" not in vars(storage.inner)  # the guard is removed again
    assert storage.recorder.calls[-1].error.startswith("NameSearchLoop: ")
    assert list(storage.trip.names) == ["upload-diagnostics/run1/p.jpg"]  # for cleanup


def test_a_slow_name_search_raises_at_the_stage_timeout(tmp_path, tracker):
    storage, _ = prefixed(tmp_path, tracker, storage=AlwaysTaken(location=str(tmp_path / "m")))
    storage.recorder.stage_timeout = 0
    with pytest.raises(NameSearchLoop) as caught:
        storage.save("p.jpg", ContentFile(b"p"))
    assert caught.value.count == 1


def test_a_storage_that_cannot_read_back_keeps_nothing(tmp_path, tracker):
    class WriteOnly(FileSystemStorage):
        def _open(self, name, mode="rb"):
            raise OSError("no reads")

    storage, _ = prefixed(tmp_path, tracker, storage=WriteOnly(location=str(tmp_path / "m")))
    storage.save("p.jpg", ContentFile(b"p"))
    assert storage.recorder.stored == []
    assert storage.cleanup() == []


def test_stand_in_replaces_every_storage_until_stopped(tracker):
    from django.core.files.storage import default_storage, storages

    recorder = Recorder(tracker)
    before = type(default_storage._wrapped) if default_storage._wrapped else None
    stand_in = StandIn(lambda alias, real: RecordingStorage(recorder, alias))
    made = stand_in.start()
    assert set(made) >= {"default", "staticfiles"}
    assert default_storage.save("x.txt", ContentFile(b"x")) == "x.txt"
    assert made["default"].objects == {"x.txt": b"x"}
    assert storages["default"] is made["default"]
    stand_in.stop()
    stand_in.stop()  # twice: the runner's undo step and the check's own
    assert not isinstance(storages["default"], RecordingStorage)
    assert not isinstance(default_storage._wrapped, RecordingStorage)
    assert before is None or type(default_storage._wrapped) is before


# -- what the findings show ------------------------------------------------------------------

REPO = HERE.parent


def test_the_tools_own_packages_and_libraries_are_not_the_project(tmp_path):
    from upload_diagnostics.diagnostics import redact
    from upload_diagnostics.manage_commands import main
    from upload_diagnostics.reports import templating

    assert str(Frame(OWN_CODE, 3, "run")) == "the diagnostic's own test upload (run)"
    whole = Tracker(REPO)  # the tool inside the project root: still not the project's code
    for module in (recording, redact, main, templating):
        assert whole._file(module.__file__) == (OWN_CODE, False)
    project = Tracker(tmp_path)
    for lib in ("env/site-packages/pkg/m.py", "env/dist-packages/pkg/m.py",
                "env/lib/python3.12/pkg/m.py"):
        assert project._file(str(tmp_path / lib)) == (lib, False)
    assert project._file(str(tmp_path / "app/views.py")) == ("app/views.py", True)
    assert project._file("/usr/lib/python3/dist-packages/v/site-packages/pkg/m.py") == (
        "v/site-packages/pkg/m.py", False)
    here = Tracker(Path.cwd())
    assert here._file("<frozen importlib._bootstrap>") == ("<frozen importlib._bootstrap>",
                                                            False)


def test_what_a_report_shows_is_capped(tracker):
    assert (tracking.MAX_EVENTS, tracking.CHAIN_DEPTH) == (200, 6)  # events, frames
    f = track(upload(), tracker)
    for _ in range(250):
        f.seek(0)
    with tracker.saving(f, "a.jpg", "default"):
        pass
    assert len(tracker.streams[id(f.file)].events) == 200


def test_event_details_as_the_timeline_shows_them(tracker):
    stream = TrackingIO(io.BytesIO(b"abcdef"), tracker, "s")
    stream.read(2); stream.write(b"x")  # noqa: E702 - one line: still two events
    stream.seek(1)
    stream.tell()
    log = tracker.streams[id(stream)]
    assert [(e.detail or e.op, e.position, e.nbytes, e.calls) for e in log.events] == [
        ("read", 0, 2, 1), ("write", 2, 1, 1), ("seek(1)", 3, 0, 1), ("tell", 1, 0, 1)]


def copy_out(f):
    import shutil

    shutil.copyfileobj(f, io.BytesIO())  # @copy


def test_library_reads_for_two_project_lines_stay_apart(tracker):
    import json

    f = track(upload(b'{"a": 1}'), tracker)
    copy_out(f)
    with pytest.raises(json.JSONDecodeError):
        json.load(f)  # @json
    log = tracker.streams[id(f.file)]
    assert [(e.op, e.frame.line) for e in log.events] == [
        ("read", line_of("@copy")), ("read", line_of("@json"))]
    [problem] = tracker.problems
    assert (problem.kind, problem.event.frame.line, problem.earlier.frame.line) == (
        "eof_read", line_of("@json"), line_of("@copy"))


def sniff(f):
    return f.read(4)  # @sniff


def test_a_site_that_read_part_of_this_pass_may_read_on_to_nothing(tracker):
    f = track(upload(), tracker)
    assert sniff(f) == b"0123" and f.read() == b"456789"
    assert sniff(f) == b""
    assert tracker.problems == []


def test_a_save_inside_a_save_still_judges_by_what_is_stored(tracker):
    f = track(upload(), tracker)
    with tracker.saving(f, "outer.jpg", "default"):
        with tracker.saving(f, "inner.jpg", "cache"):
            consume(f)
        assert f.read() == b""
    assert tracker.problems == []


def test_a_save_event_and_its_label(tracker, tmp_path):
    f = track(upload(), tracker)
    f.close()  # no position: the save is told at 0
    with tracker.saving(f, "a.jpg", "default") as problem:
        pass
    event = tracker.streams[id(f.file)].events[-1]
    assert problem is None and (event.op, event.position, event.nbytes, event.detail) == (
        "save", 0, 0, "default.save('a.jpg')")
    (tmp_path / "a.bin").write_bytes(b"abc")
    with open(tmp_path / "a.bin", "rb") as named:
        named.read()
        with tracker.saving(named, "b.bin", "default") as problem:
            pass
    assert (problem.stream, problem.event.op, problem.event.nbytes) == (
        str(tmp_path / "a.bin"), "save", 0)


def test_a_seek_is_told_where_it_started(tracker):
    f = track(upload(), tracker)
    consume(f)
    f.seek(3)
    assert [(e.detail, e.position) for e in tracker.streams[id(f.file)].events[1:]] == [
        ("seek(3)", 10)]


def test_nested_trackers_come_back(tracker):
    other = Tracker(HERE)
    with tracking.active(tracker):
        with tracking.active(other):
            assert tracking.current() is other
        assert tracking.current() is tracker
    assert tracking.current() is None


def test_each_wrapped_handler_keeps_its_own_kind(tracker, tmp_path):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    [handler] = tracking.handlers(["django.core.files.uploadhandler.TemporaryFileUploadHandler"])
    handler.new_file("image", "p.jpg", "image/jpeg", 3, None)
    handler.receive_data_chunk(b"abc", 0)
    with tracking.active(tracker):
        done = handler.file_complete(3)
    assert isinstance(done, TemporaryUploadedFile) and isinstance(done.file, TrackingIO)
    done.close()


def test_a_buffer_the_project_makes_is_told_at_the_project_line(tracker):
    from upload_diagnostics.checks.e2e import derived

    with tracking.active(tracker):
        buffer = derived.TrackedBytesIO(b"abc")  # @buffer
    buffer.read()  # @buffer-read
    events = tracker.streams[id(buffer)].events
    assert [(e.op, e.site.line) for e in events] == [("made", line_of("@buffer")),
                                                      ("read", line_of("@buffer-read"))]



class NoAnswerListable(NoAnswer):
    listdir = FileSystemStorage.listdir


def test_a_save_that_got_no_answer_is_not_in_doubt_when_the_storage_can_list(tmp_path,
                                                                            tracker):
    storage, media = prefixed(tmp_path, tracker,
                              storage=NoAnswerListable(location=str(tmp_path / "m")))
    with pytest.raises(RuntimeError):
        storage.save("reset.jpg", ContentFile(b"x"))
    assert list(storage.trip.unanswered) == ["upload-diagnostics/run1/reset.jpg"]
    assert storage.cleanup() == [] and storage.trip.maybe_left == []
    assert not (tmp_path / "m/upload-diagnostics/run1/reset.jpg").exists()


class Vanishing(FileSystemStorage):
    """A local storage where one folder disappears while it is being listed."""

    def listdir(self, path):
        if path.endswith("/gone"):
            raise FileNotFoundError(path)
        return super().listdir(path)


def test_walk_lists_every_file_under_a_folder(tmp_path):
    for rel in ("BOX/x.txt", "BOX/a/y.txt", "BOX/a/c/w.txt", "BOX/b/z.txt", "BOX/gone/v.txt",
                "other/o.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    storage = Vanishing(location=str(tmp_path))
    assert recording.walk(storage, "BOX/") == [
        "BOX/a/c/w.txt", "BOX/a/y.txt", "BOX/b/z.txt", "BOX/x.txt"]
    assert recording.walk(storage, "missing/") == []


def test_cleanup_of_a_local_storage_keeps_its_root_unless_saving_made_it(tmp_path):
    (tmp_path / "upload-diagnostics/run1/a").mkdir(parents=True)
    recording.remove_empty_dirs(str(tmp_path), "upload-diagnostics/run1/")  # as --cleanup
    assert tmp_path.is_dir() and list(tmp_path.iterdir()) == []
    (tmp_path / "upload-diagnostics/run2").mkdir(parents=True)
    recording.remove_empty_dirs(str(tmp_path), "upload-diagnostics/run2/", keep_root=False)
    assert not tmp_path.exists()


def test_stand_in_stopped_before_it_started_changes_nothing(tracker):
    from django.core.files.storage import storages

    before = storages._storages
    StandIn(lambda alias, real: None).stop()
    assert storages._storages is before


def test_stand_in_hands_back_the_real_storage_made_or_to_make(tracker):
    from django.core.files.storage import storages

    def real_default():
        reals = {}
        stand_in = StandIn(lambda alias, real: reals.setdefault(alias, real) and None)
        stand_in.start()
        try:
            return reals["default"]()
        finally:
            stand_in.stop()

    made = storages["default"]
    assert real_default() is made  # the project's own instance
    before = storages._storages
    storages._storages = {}  # not made yet: built from STORAGES on demand
    try:
        built = real_default()
    finally:
        storages._storages = before
    assert type(built) is FileSystemStorage and built is not made

def test_stand_in_replaces_a_storage_set_on_a_model_field(tracker, tmp_path):
    from django.apps import apps
    from django.db import models

    own = FileSystemStorage(location=str(tmp_path))

    class Document(models.Model):
        scan = models.FileField(storage=own)
        plain = models.FileField()

        class Meta:
            app_label = "contenttypes"

    recorder = Recorder(tracker)
    reals = {}

    def make(label, real):
        reals[label] = real
        return RecordingStorage(recorder, label)

    stand_in = StandIn(make)
    try:
        made = stand_in.start()
        field = Document._meta.get_field("scan")
        assert made["contenttypes.Document.scan"] is field.storage
        assert isinstance(field.storage, RecordingStorage)
        assert reals["contenttypes.Document.scan"]() is own
        assert "contenttypes.Document.plain" not in made  # it uses default_storage
        stand_in.stop()
        assert field.storage is own
    finally:
        stand_in.stop()
        del apps.all_models["contenttypes"]["document"]
        apps.clear_cache()


@pytest.mark.parametrize("first", ["a.jpg", "b.jpg"])
def test_saves_at_once_each_finish_and_cleanup_waits_for_all(tmp_path, tracker, first):
    started = {n: threading.Event() for n in ("a.jpg", "b.jpg")}
    release = {n: threading.Event() for n in started}
    errors = []

    class Slow(FileSystemStorage):
        def _save(self, name, content):
            short = name.rsplit("/", 1)[-1]
            started[short].set()
            release[short].wait(10)
            return super()._save(name, content)

    def save(name):
        try:
            storage.save(name, ContentFile(b"s"))
        except Exception as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    storage, _ = prefixed(tmp_path, tracker, storage=Slow(location=str(tmp_path / "m")))
    threads = {n: threading.Thread(target=save, args=(n,)) for n in started}
    for name, thread in threads.items():
        thread.start()
        started[name].wait(10)
    release[first].set()
    threads[first].join(10)
    [maybe] = storage.cleanup(wait=0.05)
    assert maybe.code == "diagnostics.C003" and storage.trip.left == []
    [running] = {*started} - {first}
    assert storage.trip.maybe_left == [(f"upload-diagnostics/run1/{running}",
                                        "still being written when the check was stopped")]
    for name in started:
        release[name].set()
        threads[name].join(10)
    assert errors == [] and "exists" not in vars(storage.inner)
    assert set(storage.trip.names) == {f"upload-diagnostics/run1/{n}" for n in started}


def test_a_name_search_in_one_thread_does_not_count_anothers(tmp_path, tracker):
    storage, _ = prefixed(tmp_path, tracker, storage=AlwaysTaken(location=str(tmp_path / "m")))
    answers = []
    with storage._guard():
        outside = threading.Thread(target=lambda: answers.extend(
            storage.inner.exists("x") for _ in range(1500)))
        outside.start()
        outside.join(30)
        assert answers == [True] * 1500  # not a save: no limit
        with pytest.raises(NameSearchLoop):
            storage.inner.get_available_name("p.jpg")
    assert "exists" not in vars(storage.inner)


def load_image(f):
    with Image.open(f) as image:  # @helper-open
        image.load()  # @helper-load


def test_library_calls_for_one_project_line_merge_deep_in_the_project(tracker):
    f = track(File(io.BytesIO(jpeg()), name="p.jpg"), tracker)
    load_image(f)  # the chain: load_image, then this test
    reads = [e for e in tracker.streams[id(f.file)].events if e.op == "read"]
    assert len(reads) <= 3 and sum(e.calls for e in reads) > len(reads)
    assert {e.frame.line for e in reads} <= {line_of("@helper-open"), line_of("@helper-load")}
    assert all(len(e.chain) == 2 for e in reads)
