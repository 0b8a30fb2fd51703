"""Run as a script in the deployment's working directory and environment: let gunicorn's
own Application load its configuration (defaults, config file, GUNICORN_CMD_ARGS, command
line) without importing the application, and print the effective settings as JSON.

Usage: python -P probe_gunicorn.py '<json list of gunicorn arguments>'
"""
import contextlib
import io
import json
import os
import resource
import signal
import sys

MARK = "@@upload-diagnostics-gunicorn@@"
KEYS = ("timeout", "graceful_timeout", "workers", "worker_class", "threads", "worker_tmp_dir",
        "bind", "keepalive", "worker_connections", "max_requests", "chdir", "wsgi_app")


# Bytes any file the probe (or a child) writes may reach, its output included: a config
# file that prints without end fails with "File too large" instead of filling the disk.
FILE_LIMIT = 16 * 1024 * 1024


def limit_files():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, no kill
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_LIMIT, FILE_LIMIT))


def emit(data):
    line = MARK + json.dumps(data, default=str) + "\n"
    try:
        sys.stdout.write(line)
        sys.stdout.flush()
    except OSError:  # the config file printed up to the limit: answer on stderr
        sys.stderr.write(line)
        sys.stderr.flush()


def main():
    limit_files()
    argv = json.loads(sys.argv[1])
    started_in = os.getcwd()  # where gunicorn looks for ./gunicorn.conf.py
    sys.argv = ["gunicorn", *argv]
    try:
        import gunicorn
        from gunicorn.app.wsgiapp import WSGIApplication
    except ImportError as exc:
        emit({"error": f"gunicorn cannot be imported here: {exc}", "stage": "import"})
        return
    config_file = {}

    class Probe(WSGIApplication):
        def load_config_from_file(self, filename):
            config_file["path"] = os.path.abspath(filename)
            cfg = super().load_config_from_file(filename)
            config_file["keys"] = sorted(k for k in cfg if k in self.cfg.settings)
            return cfg

    errors = io.StringIO()
    try:
        with contextlib.redirect_stderr(errors):
            app = Probe("%(prog)s [OPTIONS] [APP_MODULE]")
    except SystemExit as exc:
        stage = "config file" if "Failed to read config file" in errors.getvalue() or (
            config_file and "keys" not in config_file) else "command line"
        emit({"error": errors.getvalue().strip() or f"exit status {exc.code}", "stage": stage,
              "config_file": config_file.get("path")})
        return
    cfg = app.cfg
    parser = cfg.parser()
    command_line = vars(parser.parse_args(argv))
    from_env = vars(parser.parse_args(cfg.get_cmd_args_from_env()))
    settings = {}
    for key in KEYS:
        if command_line.get(key) is not None:
            source = "command line"
        elif from_env.get(key) is not None:
            source = "GUNICORN_CMD_ARGS"
        elif key in config_file.get("keys", ()):
            source = f"config file {config_file['path']}"
        elif key == "workers" and "WEB_CONCURRENCY" in os.environ:
            source = "WEB_CONCURRENCY (default read at import)"
        elif key == "bind" and "PORT" in os.environ:
            source = "PORT (default read at import)"
        else:
            source = "default"
        settings[key] = {"value": cfg.settings[key].get(), "source": source}
    # sync with threads > 1 runs as gthread: gunicorn's own property says which one runs.
    settings["worker_class"]["effective"] = cfg.worker_class_str
    emit({"version": gunicorn.__version__, "settings": settings, "cwd": started_in,
          "config_file": config_file.get("path"), "app": app.app_uri,
          "env_args": os.environ.get("GUNICORN_CMD_ARGS")})


if __name__ == "__main__":
    main()
