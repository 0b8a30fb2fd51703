"""The media family's finding codes, each declared once. Numbers by check:

    001-019  media.serving  what serves MEDIA_URL once DEBUG is off
    020-039  media.disk     where MEDIA_ROOT lives in the deployment: a volume, and shared
"""
from upload_diagnostics.diagnostics import Code

# -- media.serving --------------------------------------------------------------------------------

I001 = Code(
    "media.I001", "Media files are served once DEBUG is off",
    "A storage keeps uploads on disk (FileSystemStorage), and its URL prefix (MEDIA_URL) "
    "is served with DEBUG=False: by a URL pattern of the project (resolved by Django's "
    "resolver in a process started with DEBUG=False) or by an nginx location (`alias` or "
    "`root`) whose path matches it.",
    "Records what answers for uploaded files in production.",
    'location /media/ {\n    alias /srv/app/media/;\n}',
    'location /media/ {\n    alias /srv/app/media/;\n}',
    "Nothing to fix: this records what was found.", "nginx")

E001 = Code(
    "media.E001", "Nothing serves MEDIA_URL in production",
    "A storage keeps uploads on disk, the settings run with DEBUG=False, a production "
    "server (gunicorn, uWSGI, uvicorn...) starts the app, and with DEBUG=False no URL "
    "pattern resolves the media URL and no nginx location serves it.",
    "`django.conf.urls.static.static()` returns no pattern unless DEBUG is on, and "
    "WhiteNoise serves static files only, never media. Uploads are saved, but every "
    "link to them answers 404.",
    "# urls.py\nurlpatterns = [...] + static(settings.MEDIA_URL, "
    "document_root=settings.MEDIA_ROOT)\n# DEBUG = False in production: static() adds "
    "nothing",
    "# nginx, in front of the app\nlocation /media/ {\n    alias /srv/app/media/;\n}",
    "Serve MEDIA_ROOT from the web server (an nginx `location` with `alias`), or store "
    "uploads in an object storage (S3, ImageKit) whose URLs are served by the provider.",
    "text")

W001 = Code(
    "media.W001", "Nothing serves MEDIA_URL once DEBUG is off",
    "A storage keeps uploads on disk and, with DEBUG=False, no URL pattern resolves its "
    "URL and no nginx location of the project serves it, while the run did not show "
    "both DEBUG=False and a production server (else media.E001).",
    "Works in development, where static() serves media because DEBUG is on; in "
    "production every uploaded file answers 404.",
    "# urls.py\nurlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)",
    "# nginx, in front of the app\nlocation /media/ {\n    alias /srv/app/media/;\n}",
    "Configure what serves MEDIA_ROOT in production (the web server, or an object "
    "storage) before DEBUG is turned off.", "text")

# -- media.disk -----------------------------------------------------------------------------------

I020 = Code(
    "media.I020", "Media is kept on a persistent volume",
    "The project runs in containers or on a platform, and a volume, disk or mount of its "
    "deployment files (compose `volumes`, fly `[mounts]`, render `disk`, a Kubernetes "
    "`volumeMounts` entry) covers the storage's folder.",
    "Records where uploads survive a deploy.",
    "services:\n  web:\n    volumes:\n      - media:/app/media",
    "services:\n  web:\n    volumes:\n      - media:/app/media",
    "Nothing to fix: this records what was found.", "yaml")

E020 = Code(
    "media.E020", "MEDIA_ROOT is on a container's ephemeral disk",
    "The app runs from compose, fly.toml, render.yaml, a Kubernetes manifest or on Heroku, "
    "a storage keeps uploads on disk, and no volume, disk or mount of those files covers "
    "its folder (on Heroku none can: a dyno's filesystem is always ephemeral).",
    "A container's own filesystem is thrown away when it is replaced: every upload "
    "vanishes at the next deploy, restart or scale event, while the database still "
    "points at it.",
    "# fly.toml, with MEDIA_ROOT = BASE_DIR / 'media' and WORKDIR /app\n[processes]\n"
    "app = \"gunicorn mysite.wsgi\"",
    "[mounts]\nsource = \"media\"\ndestination = \"/app/media\"",
    "Mount a volume (compose `volumes`, fly `[mounts]`, render `disk`) at MEDIA_ROOT, or "
    "store uploads in an object storage (S3, ImageKit); on Heroku only the latter.", "toml")

W020 = Code(
    "media.W020", "MEDIA_ROOT is inside a container image with no volume in the project",
    "A Dockerfile builds the app's image, a storage keeps uploads on disk, and no "
    "deployment file of the project (compose, fly, render, Kubernetes) says how the "
    "container is run or mounts a volume at the storage's folder.",
    "Unless whatever runs the container mounts a volume there, uploads are lost "
    "whenever the container is replaced.",
    "# Dockerfile\nWORKDIR /app\nCOPY . .\n# MEDIA_ROOT = BASE_DIR / 'media'",
    "docker run -v media:/app/media myimage",
    "Mount a volume at MEDIA_ROOT where the container is run, and keep that file in the "
    "project so it can be checked; or store uploads in an object storage.", "dockerfile")

E021 = Code(
    "media.E021", "Several replicas keep uploads on disks they do not share",
    "The deployment runs more than one copy of the app (compose `deploy.replicas` or "
    "`scale`, Kubernetes `replicas`, fly `min_machines_running`, render `numInstances`) "
    "and a storage keeps uploads on a disk the copies do not share (no volume, or a fly "
    "volume, which belongs to one machine).",
    "An upload is saved on the replica that took the request; a request for it that "
    "reaches another replica answers 404, and images appear and disappear at random.",
    "services:\n  web:\n    deploy:\n      replicas: 3  # MEDIA_ROOT on each container's disk",
    "services:\n  web:\n    deploy:\n      replicas: 3\n    volumes:\n"
    "      - media:/app/media  # one volume on one host, or object storage",
    "Store uploads in an object storage (S3, ImageKit) shared by every replica, or mount "
    "one shared volume (NFS, EFS, a ReadWriteMany claim) at MEDIA_ROOT on all of them.",
    "yaml")
