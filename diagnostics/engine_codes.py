"""The engine's own finding codes: what the runner reports when a check cannot do its job."""
from .codes import Code

E001 = Code(
    code="diagnostics.E001",
    title="A check plugin could not be loaded",
    detects="A check named in settings.UPLOAD_DIAGNOSTICS[\"CHECKS\"] or registered "
            "through the upload_diagnostics.checks entry point fails to import, is not "
            "a Check subclass, has no dotted id, or raises when it is created.",
    why="The check it names does not run, so whatever it was meant to catch goes "
        "unreported; the other checks still run.",
    bad='UPLOAD_DIAGNOSTICS = {\n    "CHECKS": ["myproject.diag.CdnCheck"],  '
        "# module renamed to myproject.diagnostics\n}",
    good='UPLOAD_DIAGNOSTICS = {\n    "CHECKS": ["myproject.diagnostics.CdnCheck"],\n}',
    fix="Read the traceback in the finding's evidence, then fix the dotted path, the "
        "plugin's import error or its class attributes (id like 'family.name', tier one "
        "of static/network/write, a run(ctx) method). Remove the entry if the plugin is "
        "no longer wanted.")

E002 = Code(
    code="diagnostics.E002",
    title="A check crashed",
    detects="A check raised an exception, or yielded something other than a finding of "
            "a code it declares in its `codes`, instead of reporting findings.",
    why="The part of the upload path that check covers was not diagnosed. The crash is "
        "usually a bug in the check, but it can also point at a setting or file of the "
        "project that is broken in a way nobody anticipated.",
    bad="class CdnCheck(Check):\n    id = \"cdn.headers\"\n\n    def run(self, ctx):\n"
        "        yield \"the CDN strips Content-Length\"  # not a Finding",
    good="W001 = Code(\"cdn.W001\", \"The CDN strips Content-Length\", ...)\n\n\n"
         "class CdnCheck(Check):\n    id = \"cdn.headers\"\n    codes = (W001,)\n\n"
         "    def run(self, ctx):\n        yield W001(\"the CDN strips Content-Length\")",
    fix="Read the redacted traceback in the evidence. For a built-in check, attach the "
        "report to an issue; for your own check, declare each finding code once as a "
        "diagnostics.Code, list it in the check's `codes`, make run(ctx) yield the "
        "findings those codes make, and catch the errors it expects.")

E003 = Code(
    code="diagnostics.E003",
    title="A check did not finish in time",
    detects="A check ran longer than its timeout (its own `timeout`, else --timeout, "
            "60 s by default) and was abandoned.",
    why="Whatever it waits on hangs: a storage call without an HTTP timeout, a server "
        "that never answers, a storage whose exists() always returns True. The same "
        "hang in production holds a worker until gunicorn kills it (WORKER TIMEOUT).",
    bad="python manage.py diagnose_uploads --timeout 5   # far below what the check needs",
    good="python manage.py diagnose_uploads --timeout 120",
    fix="Look at the other findings for what the check was doing (a network call, a "
        "server start). If it is only slow, raise --timeout; if it hangs, fix the hang "
        "(add timeouts to SDK calls, make exists() answer honestly).",
    lang="sh")

C001 = Code(
    code="diagnostics.C001",
    title="A check could not undo what it did",
    detects="An undo step a check registered (deleting a test upload, stopping a "
            "server, removing a temporary file) raised an error after the check "
            "finished, timed out or was interrupted. (Its level is critical, so it is a C "
            "code; earlier versions numbered it diagnostics.E004.)",
    why="Something the diagnosis created may still exist: a test image in the real "
        "storage under the diagnostic prefix, a server process, a temporary folder.",
    bad="# storage credentials allow upload but not delete\nIMAGEKIT_PRIVATE_KEY = "
        "\"<key of a role without delete permission>\"",
    good="# a key whose role may also delete, so --e2e can clean up\n"
         "IMAGEKIT_PRIVATE_KEY = \"<key with upload and delete permission>\"",
    fix="The evidence lists each failed undo step with the exact object it was about; "
        "remove those objects by hand, then fix what made the undo fail (permissions, "
        "a storage that cannot delete).")

C002 = Code(
    code="diagnostics.C002",
    title="A test object was left behind in the storage",
    detects="With --e2e a write-tier check (e2e.storage, imagekit.upload, s3.upload) "
            "writes under a dedicated test prefix and deletes every name it wrote, even "
            "after a failure, a timeout or Ctrl-C, then proves each gone. A name whose "
            "delete failed, or that still exists afterwards, is listed here with the "
            "storage, the prefix and the error.",
    why="A diagnostic object stays in the real storage (it may be served or billed); the "
        "same delete failure hits the project when users remove images.",
    bad="# a key or IAM policy that may write but not delete\n"
        "{\"Effect\": \"Allow\", \"Action\": [\"s3:PutObject\", \"s3:GetObject\"]}",
    good="{\"Effect\": \"Allow\", \"Action\": [\"s3:PutObject\", \"s3:GetObject\", "
         "\"s3:DeleteObject\", \"s3:ListBucket\"]}",
    fix="Run diagnose-uploads --cleanup --yes (it deletes what is under upload-diagnostics/ "
        "on each storage the project uses and under the test folder of ImageKit's media "
        "library), or delete the listed objects by hand; then fix the permission or the "
        "backend's delete() that failed.",
    lang="json")

C003 = Code(
    code="diagnostics.C003",
    title="A test object may be left in the storage",
    detects="With --e2e a write into the real storage got no answer (the connection "
            "dropped, or no answer in time), so the object may be stored although the "
            "check never learnt it was, and the storage cannot list the test prefix to "
            "find out; or a write was still running when the check was stopped (a timeout, "
            "Ctrl-C) and may land after the deletes. The finding names the exact object, "
            "the storage and the prefix.",
    why="Nothing knows the object exists, so nothing deletes it: it stays in the storage "
        "(and may be served or billed). Users' uploads that time out the same way leave "
        "orphans too.",
    bad="_save() -> ConnectionError after the bytes were sent; the storage has no listdir()",
    good="def listdir(self, path):\n    ...  # lets the check (and --cleanup) see what is there",
    fix="Run diagnose-uploads --cleanup to list what is under the test prefixes of each "
        "storage (ImageKit's media library included) and --cleanup --yes to delete it, or "
        "delete the named object by hand; give the storage a listdir() (and the key the "
        "right to list) so it can be confirmed next time.")

E005 = Code(
    code="diagnostics.E005",
    title="A check was interrupted",
    detects="The run was stopped with Ctrl-C while this check was running; the checks "
            "after it were not run.",
    why="The report is incomplete: the interrupted check and everything after it "
        "were not diagnosed.",
    bad="python manage.py diagnose_uploads --e2e   # stopped with Ctrl-C half way",
    good="python manage.py diagnose_uploads --e2e   # left to finish",
    fix="Run the command again and let it finish; pass --timeout to bound slow checks "
        "instead of interrupting them. The interrupted check's undo steps already ran.",
    lang="sh")

I001 = Code(
    code="diagnostics.I001",
    title="A project file was not read",
    detects="A file a check would read is not a regular file (a FIFO, a device, a socket), "
            "is a symlink loop or a dangling symlink, cannot be read by this user, or is "
            "larger than the size limit (1 MiB unless --max-file-size or "
            "UPLOAD_DIAGNOSTICS[\"MAX_FILE_BYTES\"] says otherwise). The finding's table "
            "lists each file with the reason.",
    why="Opening a FIFO blocks, a device such as /dev/zero never ends, and parsing a "
        "multi-megabyte generated module takes gigabytes of memory; so these files are not "
        "opened, and nothing in them is diagnosed.",
    bad="ln -s /dev/zero Procfile        # or: mkfifo Dockerfile; a 5 MB generated module",
    good="printf 'web: gunicorn mysite.wsgi --timeout 60\\n' > Procfile",
    fix="Replace the special file or broken symlink by the file it stands for, or make it "
        "readable by the user running the diagnosis. For a large file that should be read, "
        "raise the limit: --max-file-size 5M or UPLOAD_DIAGNOSTICS[\"MAX_FILE_BYTES\"].",
    lang="sh")
