"""The server family's finding codes, each declared once. Numbers by check:

    001-009  server.config  how the app is started; gunicorn's and uWSGI's settings
    010-019  server.nginx   nginx in front of the app
    030-039  server.budget  the measured upload against the worker timeout
    040-049  server.limits  the ladder of size and time limits, and memory
    050-059  server.front   what answers in front of the site (its response headers)
    100-199  server.logs    what the server's logs say happened
"""
from upload_diagnostics.diagnostics import Code

# -- server.config: how the app is started and the settings in force ------------------------------

I001 = Code(
    "server.I001", "How the app is started",
    "Always emitted when a start command is found: every command that starts a server "
    "(Procfile, Dockerfile CMD/ENTRYPOINT, compose `command:`, shell entrypoints, "
    "render.yaml, railway, fly.toml, app.yaml, systemd, supervisor, Kubernetes, running "
    "processes), with file:line, best-ranked first, and the config files and variables "
    "that feed it.",
    "Support needs to know which command really runs before judging its settings.",
    "# nothing to fix: an informational summary",
    "# nothing to fix: an informational summary",
    "Check that the first row is the command your deployment runs.", "text")

W001 = Code(
    "server.W001", "No command that starts the app was found",
    "No Procfile, Dockerfile, compose file, platform file, unit, script or running "
    "process in the project starts gunicorn, uWSGI or an ASGI server. Only for a Django "
    "project (Django settings, or a manage.py, wsgi.py, asgi.py or settings module in "
    "the folder): on a reusable app or library the check is skipped as not applicable.",
    "Without the start command the worker timeout, worker class and worker count in "
    "force are unknown, so a timeout cannot be predicted.",
    "# the start command lives only in a hosting dashboard",
    "# Procfile\nweb: gunicorn mysite.wsgi --timeout 90 --workers 3",
    "Commit the start command with the project, or run the diagnosis inside the "
    "deployment where the running server is seen.", "text")

W006 = Code(
    "server.W006", "A deployment file starts Django's development server",
    "A Procfile, Dockerfile, compose file, platform file, unit or Kubernetes manifest runs "
    "`manage.py runserver` (or `django-admin runserver`). Shell scripts and a running "
    "process are left alone: they are how development runs it.",
    "runserver is single-purpose: it reloads code, serves static files slowly, has no "
    "worker timeout, no request limits and one process, and Django's documentation says "
    "never to use it in production. Uploads behave differently there than behind "
    "gunicorn or uWSGI, so what works in that deployment proves nothing.",
    "# docker-compose.yml\nservices:\n  web:\n    command: python manage.py runserver "
    "0.0.0.0:8000",
    "# docker-compose.yml\nservices:\n  web:\n    command: gunicorn mysite.wsgi -b "
    "0.0.0.0:8000 --timeout 60",
    "Start the app with gunicorn, uWSGI or an ASGI server in every file a deployment uses; "
    "keep runserver for a development override (docker-compose.override.yml, a script).",
    "yaml")

E001 = Code(
    "server.E001", "gunicorn cannot load its config file",
    "gunicorn's own loader, run in a subprocess with the deployment's working directory "
    "and environment, fails on the config file (-c, --config in GUNICORN_CMD_ARGS, or "
    "./gunicorn.conf.py): an exception while executing it or an invalid value.",
    "gunicorn exits before starting a worker: the site is down, or an old release keeps "
    "running with settings nobody reads.",
    "# gunicorn.conf.py\nimport os\ntimeout = int(os.environ[\"GUNICORN_TIMEOUT\"])  "
    "# KeyError when unset",
    "# gunicorn.conf.py\nimport os\ntimeout = int(os.environ.get(\"GUNICORN_TIMEOUT\", "
    "\"90\"))",
    "Read gunicorn's error in the evidence and fix the file; run `gunicorn --check-config "
    "app:application` to verify.")

E002 = Code(
    "server.E002", "gunicorn rejects the command line",
    "gunicorn's argument parser refuses the command a deployment file runs (an unknown "
    "option, a missing value, a value of the wrong type), or no application is named.",
    "The server does not start with that command.",
    "gunicorn mysite.wsgi --timout 90", "gunicorn mysite.wsgi --timeout 90",
    "Fix the arguments shown in the evidence; gunicorn --help lists the options.", "sh")

E003 = Code(
    "server.E003", "uWSGI's configuration cannot be read",
    "The ini or yaml file a uWSGI launch loads is missing or does not parse.",
    "uWSGI refuses to start with it.",
    "uwsgi --ini deploy/uwsgi.ini   # file is deploy/uwsgi.conf",
    "uwsgi --ini deploy/uwsgi.conf",
    "Fix the path or the syntax shown in the finding.", "sh")

E004 = Code(
    "server.E004", "uWSGI limit-post is below the largest upload",
    "uWSGI's limit-post is set and smaller than the largest upload to plan for "
    "(UPLOAD_DIAGNOSTICS[\"MAX_UPLOAD_BYTES\"], 10 MiB by default).",
    "uWSGI refuses larger request bodies before Django sees them.",
    "[uwsgi]\nlimit-post = 1048576", "[uwsgi]\nlimit-post = 26214400",
    "Raise limit-post above the largest image users send, or remove it.", "ini")

E005 = Code(
    "server.E005", "A deployment file cannot be read",
    "A Dockerfile, compose file, platform file, unit or script that may start the app "
    "does not parse (YAML, TOML, JSON, ini or Dockerfile syntax) or cannot be read.",
    "The tool that reads it fails the same way, and the start command it holds could not "
    "be judged.",
    "services:\n  web:\n    command: gunicorn app:application\n   ports: [\"8000\"]",
    "services:\n  web:\n    command: gunicorn app:application\n    ports: [\"8000\"]",
    "Fix the syntax at the line the parser names.", "yaml")

I002 = Code(
    "server.I002", "gunicorn's settings in force, with their sources",
    "Always emitted for the best-ranked gunicorn launch: timeout, graceful_timeout, "
    "workers, worker class (sync with threads > 1 runs as gthread), threads, "
    "worker_tmp_dir, bind and chdir, each with where its value came from (default, "
    "WEB_CONCURRENCY/PORT read at import, the config file, GUNICORN_CMD_ARGS, the "
    "command line), resolved by gunicorn's own loader without importing the app.",
    "The timeout and worker class decide whether a slow upload is killed.",
    "# nothing to fix: an informational summary",
    "# nothing to fix: an informational summary",
    "Compare the values with what you meant to deploy.", "text")

W002 = Code(
    "server.W002", "The worker timeout is gunicorn's default of 30 s",
    "No config file, GUNICORN_CMD_ARGS or command-line option sets `timeout`.",
    "Nobody chose the limit every upload must fit in: decoding a phone photo, encoding "
    "WebP and a storage call without an HTTP timeout can exceed 30 s, and the worker is "
    "killed (WORKER TIMEOUT).",
    "web: gunicorn mysite.wsgi", "web: gunicorn mysite.wsgi --timeout 90",
    "Measure the slowest upload (server.budget) and set --timeout above it, or move "
    "image work to a background job.", "sh")

W003 = Code(
    "server.W003", "A single worker serves the site",
    "gunicorn's effective `workers` is 1.",
    "One slow upload blocks every other request, and a worker timeout takes the whole "
    "site down until the worker restarts.",
    "gunicorn mysite.wsgi --workers ${WEB_CONCURRENCY:-1}",
    "gunicorn mysite.wsgi --workers ${WEB_CONCURRENCY:-3} --threads 4",
    "Run 2-4 workers per core (or set WEB_CONCURRENCY), memory permitting.", "sh")

W004 = Code(
    "server.W004", "Worker heartbeats go to a disk-backed /tmp in a container",
    "The app is started from a Dockerfile, compose file or Kubernetes manifest and "
    "gunicorn's worker_tmp_dir is unset.",
    "Workers touch a heartbeat file every second; on a container's overlay /tmp a slow "
    "write makes the arbiter believe the worker hung and kill it.",
    "CMD [\"gunicorn\", \"mysite.wsgi\"]",
    "CMD [\"gunicorn\", \"mysite.wsgi\", \"--worker-tmp-dir\", \"/dev/shm\"]",
    "Add --worker-tmp-dir /dev/shm (a tmpfs in every container).", "dockerfile")

W005 = Code(
    "server.W005", "Launch commands disagree about the server's settings",
    "Two or more start commands (e.g. the Dockerfile's CMD and compose's `command:`) "
    "resolve to different timeout, workers, worker class or threads.",
    "What was tested is not what runs: compose replaces the image's CMD, a running "
    "process beats any file. The finding names the winner and why.",
    "# Dockerfile\nCMD gunicorn app:application --timeout 90\n# compose.yaml\n"
    "command: gunicorn app:application",
    "# gunicorn.conf.py, used by every launch\ntimeout = 90",
    "Keep one source of server settings (a gunicorn.conf.py) and have every launch use "
    "it.", "text")

I003 = Code(
    "server.I003", "An ASGI server without a request timeout serves the app",
    "The start command runs uvicorn, daphne, hypercorn or waitress.",
    "These servers never kill a slow request: an upload that hangs on a storage call "
    "holds its connection until a proxy or platform limit ends it.",
    "uvicorn mysite.asgi:application",
    "uvicorn mysite.asgi:application  # and timeouts on every storage call",
    "Put timeouts on slow steps yourself and know the proxy's limit in front.", "sh")

I004 = Code(
    "server.I004", "uWSGI's request limits in force",
    "Always emitted for a uWSGI launch: harakiri (off by default), http-timeout, "
    "socket-timeout, limit-post and buffer-size, with the file or flag that sets each.",
    "harakiri plays the part of gunicorn's timeout; buffer-size limits header size "
    "(502 above it).",
    "# nothing to fix: an informational summary",
    "# nothing to fix: an informational summary",
    "Compare the values with what uploads need.", "text")

W007 = Code(
    "server.W007", "gunicorn's settings could not be resolved here",
    "gunicorn cannot be imported by this Python, or its loader could not be run.",
    "The settings in force are unknown, so timeouts cannot be predicted.",
    "python -m venv /tmp/tool && /tmp/tool/bin/diagnose-uploads server",
    "/srv/app/venv/bin/diagnose-uploads server   # the deployment's own environment",
    "Run the diagnosis in the environment that runs gunicorn.", "sh")

W008 = Code(
    "server.W008", "Heroku's router stops requests at 30 s",
    "The project deploys with a Procfile (or heroku.yml/app.json) and the worker timeout "
    "is 30 s or more, or there is none.",
    "The router answers 503 (H12) at 30 s while the worker keeps processing: the client "
    "sees a failure, the image may be saved anyway, and retries duplicate it.",
    "web: gunicorn mysite.wsgi --timeout 60",
    "web: gunicorn mysite.wsgi --timeout 25",
    "Keep uploads well under 30 s (upload straight from the browser to storage, process "
    "in the background) and set the worker timeout below 30 s so the app logs it.", "sh")


# -- server.nginx: nginx in front of the app ------------------------------------------------------

I010 = Code(
    "server.I010", "nginx locations that proxy to the app",
    "Always emitted when an nginx config in the project (or a readable /etc/nginx that "
    "proxies an app) has a location with proxy_pass/uwsgi_pass: its "
    "client_max_body_size, proxy_read_timeout, client_body_timeout and "
    "proxy_request_buffering, inherited from http and server, each with file:line or "
    "nginx's default. A conf.d snippet is read on its own.",
    "These limits act before the app sees an upload.",
    "# nothing to fix: an informational summary",
    "# nothing to fix: an informational summary",
    "Check that the location proxying uploads has the limits you meant.", "nginx")

E010 = Code(
    "server.E010", "nginx's client_max_body_size is below the largest upload",
    "The effective client_max_body_size (1m when unset) of a proxied location is smaller "
    "than the largest upload to plan for (UPLOAD_DIAGNOSTICS[\"MAX_UPLOAD_BYTES\"], "
    "10 MiB by default).",
    "nginx answers 413 Request Entity Too Large and the app never sees the upload; "
    "phone photos are 3-12 MB.",
    "location / {\n    proxy_pass http://app;\n}",
    "location / {\n    client_max_body_size 25m;\n    proxy_pass http://app;\n}",
    "Set client_max_body_size in the server or location that proxies uploads.", "nginx")

E011 = Code(
    "server.E011", "An nginx config does not parse",
    "crossplane, nginx's own grammar in Python, rejects the file (unbalanced braces, a "
    "missing semicolon, an include that cannot be read).",
    "nginx -t fails the same way: nginx will not start or reload with it, so the limits "
    "you see in the file are not the ones in force.",
    "location / {\n    proxy_pass http://app\n}",
    "location / {\n    proxy_pass http://app;\n}",
    "Fix the line named in the finding, then run nginx -t.", "nginx")

W010 = Code(
    "server.W010", "proxy_read_timeout is shorter than the worker timeout",
    "A proxied location's proxy_read_timeout (60s when unset) is below the worker "
    "timeout in force (as server.config resolves it).",
    "nginx answers 504 while the worker keeps processing; clients retry and the same "
    "image is processed and stored twice.",
    "proxy_read_timeout 25s;   # gunicorn: timeout 30",
    "proxy_read_timeout 35s;   # gunicorn: timeout 30",
    "Make proxy_read_timeout a few seconds longer than the worker timeout.", "nginx")

W011 = Code(
    "server.W011", "Request buffering is off in front of sync workers",
    "proxy_request_buffering off in a proxied location while gunicorn runs sync workers.",
    "nginx streams the body as it arrives, so a slow client's upload time counts "
    "against the sync worker's timeout and holds the only thread of the worker.",
    "location /api/photos/ {\n    proxy_request_buffering off;\n    proxy_pass "
    "http://app;\n}",
    "location /api/photos/ {\n    proxy_pass http://app;\n}",
    "Leave proxy_request_buffering on (the default) for upload locations.", "nginx")


# -- server.budget: the upload against the worker timeout -----------------------------------------

E030 = Code(
    "server.E030", "The upload takes longer than the worker timeout",
    "The upload measured by the end-to-end check (e2e.upload) is at least the worker "
    "timeout in force, for a worker class whose timeout bounds the request (sync, "
    "uWSGI harakiri; for gevent/eventlet the time outside storage calls, which is "
    "CPU-bound).",
    "The worker is killed mid-request (WORKER TIMEOUT): the client gets a 500 or a "
    "dropped connection (502 behind nginx) and the upload is lost.",
    "web: gunicorn mysite.wsgi --timeout 30   # upload measured at 41 s",
    "web: gunicorn mysite.wsgi --timeout 90 --threads 4",
    "Raise the timeout above the measured time with room to spare, use gthread workers, "
    "or move image processing to a background job.", "sh")

W030 = Code(
    "server.W030", "The upload uses more than half the worker timeout",
    "The measured upload takes more than 50% of the worker timeout.",
    "A larger photo or a slower storage call pushes it over the limit.",
    "web: gunicorn mysite.wsgi --timeout 30   # upload measured at 19 s",
    "web: gunicorn mysite.wsgi --timeout 60   # upload measured at 19 s",
    "Leave half the timeout free: raise it, use gthread, or process in the background.",
    "sh")

W032 = Code(
    "server.W032", "The storage SDK waits longer than the worker timeout",
    "The storage SDK (as imagekit.sdk finds it) has no HTTP timeout, or one that, added to the "
    "measured upload, reaches the worker timeout, under a worker class whose timeout "
    "bounds the request.",
    "A stalled storage upload never fails on its own: the worker is killed instead and "
    "the view cannot answer with a clear error.",
    "client.upload_file(file=data, file_name=name)   # requests without timeout",
    "session = requests.Session()\nsession.request = functools.partial(session.request, "
    "timeout=10)\n# give the SDK this session, or call the upload API with timeout=10",
    "Give storage calls their own timeout, shorter than the worker timeout.", "python")

I030 = Code(
    "server.I030", "The upload fits in the worker timeout",
    "The measured upload is within half the timeout, or the server has no request "
    "timeout, or its worker class does not bound requests.",
    "The margin says how much larger photos or slower storage calls can get before the "
    "worker is killed.",
    "# nothing to fix: an informational summary",
    "# nothing to fix: an informational summary",
    "Re-run after changing image processing or storage.", "text")

I031 = Code(
    "server.I031", "gthread workers: the timeout is a liveness check",
    "The worker class in force is gthread (also sync with threads > 1) and an upload "
    "was measured.",
    "With threads the arbiter's timeout only checks that the worker process is alive: "
    "requests that sleep, wait on the network or run Pillow codecs (which release the "
    "GIL) pass even when longer than the timeout; only code holding the GIL is killed.",
    "# nothing to fix: the request passes",
    "# nothing to fix: the request passes",
    "Keep long pure-Python loops out of request threads.", "text")

I033 = Code(
    "server.I033", "The upload time was not measured",
    "No upload was measured: the end-to-end check (e2e.upload) was not selected, was "
    "skipped or failed.",
    "Without a measured time the check cannot say whether the worker timeout is enough.",
    "diagnose-uploads server --offline",
    "diagnose-uploads server e2e",
    "Select the end-to-end check (e2e.upload) with the server checks and run without "
    "--offline.", "sh")


# -- server.limits: the ladder of size and time limits ------------------------------------------

I040 = Code(
    "server.I040", "The limit ladder",
    "Always emitted when a layer was found: every layer an upload passes through (platform "
    "router, load balancer, ingress, nginx, the app server, Django, DRF, the project's own "
    "validators, Pillow, the container's memory), outermost first, with its size and time "
    "limit and where each value comes from: a file:line, or the platform's documented "
    "default with its date. It names the binding size limit (the smallest) and the "
    "binding time limit (the shortest).",
    "An upload that fails with 413, 502 or 504 was stopped by one of these layers; the "
    "binding one is where to look first.",
    "# nothing to fix: an informational summary",
    "# nothing to fix: an informational summary",
    "Raise the binding limit, or keep uploads below it (resize in the browser, upload "
    "directly to storage).", "text")

E040 = Code(
    "server.E040", "A size the project accepts cannot reach it",
    "A size limit in the project's own code (a validator comparing `file.size`, a "
    "`max_upload_size=` field argument) is larger than a limit of a layer in front of it: "
    "a platform, load balancer, ingress, nginx, or Django's DATA_UPLOAD_MAX_MEMORY_SIZE "
    "when the view reads a base64 image from the request body.",
    "Uploads between the two sizes are cut before the project's code sees them: the user "
    "gets the layer's 413 (often an HTML page the client cannot parse) instead of the "
    "project's own message, and the size the project promises is never reached.",
    "# k8s/ingress.yaml: no proxy-body-size annotation (ingress-nginx default 1m)\n"
    "# photos/forms.py\nif image.size > 20 * 1024 * 1024:\n    raise ValidationError(...)",
    "# k8s/ingress.yaml\nmetadata:\n  annotations:\n"
    "    nginx.ingress.kubernetes.io/proxy-body-size: \"25m\"",
    "Raise the cutting layer's limit above the project's own (with room for the multipart "
    "overhead), or lower the project's limit to what the platform lets through.", "yaml")

W040 = Code(
    "server.W040", "The upload takes more than half the binding time limit",
    "The upload measured by the end-to-end check takes at least 50% of the shortest time "
    "limit in front of the app (a platform router, load balancer, ingress or proxy; the "
    "worker timeout itself is server.budget's).",
    "A larger photo, a slower client or a slower storage call crosses the limit, and that "
    "layer answers 503/504 while the app keeps working.",
    "# Heroku router: 30 s; upload measured at 19 s",
    "# resize before uploading, or upload directly to storage: measured at 4 s",
    "Keep the request well under the binding limit: process images in the background, "
    "upload directly to storage, or raise the limit where the platform allows it.", "text")

E042 = Code(
    "server.E042", "The upload takes longer than the binding time limit",
    "The upload measured by the end-to-end check takes longer than the shortest time limit "
    "in front of the app (a platform router, load balancer, ingress or proxy).",
    "Every such upload is cut by that layer (503 H12 on Heroku, 504 behind a proxy): the "
    "client sees an error even when the app finishes the work.",
    "# Heroku router: 30 s; upload measured at 41 s",
    "# image processing moved to a background job: the request takes 3 s",
    "Move the slow work out of the request, upload directly to storage, or raise the "
    "limit where the platform allows it.", "text")

W041 = Code(
    "server.W041", "Concurrent uploads do not fit in the container's memory",
    "The peak memory of one image (measured by the hard-image run, e2e.images) times the "
    "concurrent requests of the app server (workers x threads) is above the container's "
    "memory limit (compose `mem_limit`/`deploy.resources.limits.memory`, Kubernetes "
    "`resources.limits.memory`).",
    "When that many uploads of such an image arrive together the kernel kills a worker "
    "(OOM): no traceback, gunicorn logs `Perhaps out of memory?` and the client gets a "
    "502 or a reset.",
    "services:\n  web:\n    command: gunicorn site.wsgi --workers 8\n    mem_limit: 512m",
    "services:\n  web:\n    command: gunicorn site.wsgi --workers 3\n    mem_limit: 1g",
    "Raise the memory limit, run fewer workers per container, or bound the image work "
    "(Image.draft, thumbnail before convert, a lower MAX_IMAGE_PIXELS).", "yaml")

E041 = Code(
    "server.E041", "One image does not fit in the container's memory",
    "The peak memory of one image (measured by the hard-image run, e2e.images) alone is "
    "above the container's memory limit.",
    "Every upload of that image gets the worker killed (OOM) with no traceback; the client "
    "gets a 502 or a reset.",
    "services:\n  web:\n    mem_limit: 128m   # one 12 MP photo peaks at 177 MiB",
    "services:\n  web:\n    mem_limit: 1g",
    "Raise the memory limit, or bound the image work (Image.draft, thumbnail before "
    "convert, a lower MAX_IMAGE_PIXELS).", "yaml")


# -- server.front: what answers in front of the site ---------------------------------------------

I050 = Code(
    "server.I050", "What answers in front of the site",
    "In the network tier, one HEAD request to each public address of the site "
    "(UPLOAD_DIAGNOSTICS[\"SITE_URL\"], else ALLOWED_HOSTS and CSRF_TRUSTED_ORIGINS without "
    "local, reserved or wildcard names; at most three), without cookies or credentials. "
    "The answer's headers name the layers in front: Cloudflare (cf-ray, Server: "
    "cloudflare), Heroku's router (Via: vegur or heroku-router), Fly's proxy "
    "(fly-request-id), Render (rndr-id), Vercel (x-vercel-id). Those layers join the "
    "limit ladder (server.limits) with their documented limits, even when no file of the "
    "project shows them.",
    "A proxy configured in a dashboard, not in the repository (Cloudflare most often), "
    "still cuts large uploads (413 above 100 MB on its Free and Pro plans) and slow ones "
    "(524 after 100 s).",
    "# nothing to fix: an informational summary",
    "# nothing to fix: an informational summary",
    "Check the binding layer in the ladder (server.I040); set UPLOAD_DIAGNOSTICS"
    "[\"SITE_URL\"] when the site's public address is not in ALLOWED_HOSTS.", "text")


# -- server.logs: log signatures ------------------------------------------------------------------

I101 = Code(
    "server.I101", "The log holds no known upload failure",
    "Every line of the log was searched for the signatures of this page and none "
    "matched.",
    "The failure is elsewhere: another log, or a failure that logs nothing (see the "
    "other checks).",
    "diagnose-uploads server --logs access.log", "diagnose-uploads server --logs error.log",
    "Give the error log of the server that handled the failing request.", "sh")

E100 = Code(
    "server.E100", "A log cannot be read",
    "A file given with --logs does not exist, is not readable, or is a broken .gz.",
    "Nothing in it could be triaged.",
    "--logs /var/log/gunicorn/eror.log", "--logs /var/log/gunicorn/error.log",
    "Fix the path or the permissions, or pipe it: sudo cat log | diagnose-uploads "
    "server --logs -", "sh")

E101 = Code(
    "server.E101", "gunicorn killed workers for running past the timeout",
    "Lines `[CRITICAL] WORKER TIMEOUT (pid:N)`; a following `Worker (pid:N) was sent "
    "SIGKILL! Perhaps out of memory?` for the same pid is counted as part of the "
    "timeout, not as an out-of-memory kill.",
    "The request that ran past `timeout` was stopped: the client got a 500, a reset or "
    "(behind nginx) a 502, and every request queued on that worker waited.",
    "[2026-01-05 10:00:31 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:12)\n"
    "gunicorn app:application --timeout 30   # uploads take 40 s",
    "gunicorn app:application --timeout 90 --threads 4",
    "Measure the upload (server.budget); raise --timeout above it, use gthread workers, "
    "or move image processing to a background job.", "text")

E102 = Code(
    "server.E102", "Workers were killed for lack of memory",
    "`Worker (pid:N) was sent SIGKILL! Perhaps out of memory?` with no WORKER TIMEOUT "
    "for that pid before it.",
    "The kernel's OOM killer stopped a worker: full-size image decodes (a 12 MP photo "
    "takes ~180 MiB when encoded to WebP) times workers exceed the container's memory.",
    "image = Image.open(upload)\nimage.save(out, \"WEBP\")  # full size, every worker",
    "image = Image.open(upload)\nimage.draft(\"RGB\", (2048, 2048))\n"
    "image.thumbnail((2048, 2048))\nimage.save(out, \"WEBP\")",
    "Decode smaller (draft, thumbnail), lower the number of workers per container, or "
    "give the container more memory.", "python")

E103 = Code(
    "server.E103", "Requests ended in SystemExit: 1",
    "Traceback lines `SystemExit: 1` after gunicorn's `Error handling request`.",
    "gunicorn stops a timed-out sync worker by raising SystemExit inside the request; "
    "the client receives a 500 with no application error logged.",
    "[ERROR] Error handling request /api/photos/\n...\nSystemExit: 1",
    "gunicorn app:application --timeout 90 --threads 4",
    "Treat it as a worker timeout: see server.E101 and server.budget.", "text")

E104 = Code(
    "server.E104", "nginx refused uploads as too large (413)",
    "nginx error-log lines `client intended to send too large body`.",
    "The upload never reached the app; the client got 413 Request Entity Too Large.",
    "location / { proxy_pass http://app; }  # client_max_body_size 1m by default",
    "location / { client_max_body_size 25m; proxy_pass http://app; }",
    "Set client_max_body_size above the largest image users send.", "nginx")

E105 = Code(
    "server.E105", "nginx timed out waiting for the app (504)",
    "nginx error-log lines `upstream timed out (110: Connection timed out)`.",
    "nginx answered 504 while the app was still working: the upload may still be "
    "saved, and the client retries it.",
    "proxy_read_timeout 25s;   # gunicorn --timeout 30",
    "proxy_read_timeout 95s;   # gunicorn --timeout 90",
    "Make proxy_read_timeout longer than the worker timeout and the upload faster than "
    "both.", "nginx")

E106 = Code(
    "server.E106", "The app closed connections mid-request (502)",
    "nginx error-log lines `upstream prematurely closed connection`.",
    "A worker died while answering: most often killed by its timeout or by the OOM "
    "killer; nginx returns 502.",
    "upstream prematurely closed connection while reading response header from upstream",
    "# no such line once the worker timeout fits the upload",
    "Find the WORKER TIMEOUT or SIGKILL line at the same time and fix that cause.", "text")

E107 = Code(
    "server.E107", "uWSGI harakiri killed requests",
    "uWSGI log lines containing `HARAKIRI`.",
    "uWSGI killed a worker whose request ran longer than `harakiri` seconds; the client "
    "got an error.",
    "[uwsgi]\nharakiri = 20", "[uwsgi]\nharakiri = 90",
    "Raise harakiri above the slowest upload, or make the upload faster.", "ini")

E108 = Code(
    "server.E108", "Heroku's router timed out requests (H12)",
    "Heroku router lines with `code=H12`.",
    "Heroku ends a request that has not answered within 30 s; the dyno keeps working "
    "and the client sees a 503.",
    "web: gunicorn app:application   # uploads take 35 s",
    "web: gunicorn app:application --timeout 25   # and faster uploads",
    "Keep uploads under 30 s: direct browser-to-storage uploads or background jobs.", "text")

E109 = Code(
    "server.E109", "Django rejected requests above DATA_UPLOAD_MAX_MEMORY_SIZE",
    "Log lines naming `RequestDataTooBig` or Django's message `Request body exceeded "
    "settings.DATA_UPLOAD_MAX_MEMORY_SIZE.`",
    "Django answered 400: the non-file part of the request (e.g. a base64 image in a "
    "form field or JSON) was larger than the limit.",
    "DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # base64 images in JSON",
    "DATA_UPLOAD_MAX_MEMORY_SIZE = 15 * 1024 * 1024",
    "Send images as multipart file parts, or raise the limit.", "python")

E110 = Code(
    "server.E110", "Django rejected requests with too many files",
    "Log lines naming `TooManyFilesSent` or Django's message `The number of files "
    "exceeded settings.DATA_UPLOAD_MAX_NUMBER_FILES.`",
    "Django answered 400 because the request carried more files than "
    "DATA_UPLOAD_MAX_NUMBER_FILES (100 by default).",
    "DATA_UPLOAD_MAX_NUMBER_FILES = 10  # gallery form sends 20",
    "DATA_UPLOAD_MAX_NUMBER_FILES = 50",
    "Raise the limit to what the form may send, or split the upload.", "python")

E111 = Code(
    "server.E111", "Pillow could not identify uploaded images",
    "Log lines `cannot identify image file`.",
    "Pillow got bytes that are not an image: often an empty stream, because the upload "
    "was read once already and not rewound.",
    "data = upload.read()  # checksum\nImage.open(io.BytesIO(upload.read()))  # empty",
    "data = upload.read()\nupload.seek(0)\nImage.open(upload)",
    "Rewind uploads before each read (seek(0)); see the fileptr checks.", "python")

E112 = Code(
    "server.E112", "ImageKit received empty uploads",
    "Log lines `Missing file parameter for upload`.",
    "The storage backend sent 0 bytes: its _save read the file at its end.",
    "def _save(self, name, content):\n    return self.client.upload_file("
    "file=content.read(), file_name=name)",
    "def _save(self, name, content):\n    content.seek(0)\n    return "
    "self.client.upload_file(file=content.read(), file_name=name)",
    "Seek the content to 0 in _save; find the earlier read (fileptr checks).", "python")

E113 = Code(
    "server.E113", "Errors were masked by an except clause naming a module",
    "Log lines `catching classes that do not inherit from BaseException is not allowed`.",
    "The except clause names a module (e.g. imported from a package's exceptions "
    "folder), so every real error becomes this TypeError and its cause is lost.",
    "from sdk.exceptions import UploadError  # UploadError is a submodule here\n"
    "try:\n    upload()\nexcept UploadError:  # TypeError on every error\n    ...",
    "from sdk.exceptions.UploadError import UploadError  # the class\n"
    "try:\n    upload()\nexcept UploadError:\n    ...",
    "Import the exception class itself; see imagekit.sdk for the installed SDK.",
    "python")
