"""The README's quick start: diagnose the bundled example project against a local ImageKit,
or against a local S3.

    .venv/bin/python examples/quickstart.py [--e2e]
    .venv/bin/python examples/quickstart.py --storage s3 [--e2e]     # needs moto[server]

ImageKit (the default): starts the ImageKit emulator on 127.0.0.1, gives the example project
(examples/photoapp) emulator keys and points the toolkit and the SDK at the emulator with
UPLOAD_DIAGNOSTICS_IMAGEKIT_URL. S3: starts moto's S3 server and the error-injecting proxy
(s3_proxy.py) in front of it on 127.0.0.1, creates the bucket as AWS creates one today
(ACLs disabled, public access blocked; the proxy answers an ACL as AWS does) and points the
example's django-storages at the proxy with environment variables. Then it runs the real
diagnosis (network tier on; other options pass through) and writes report.html and
report.md to the current directory. The example carries deliberate bugs, so the verdict
lists findings; the script exits 0 whenever the diagnosis ran, non-zero when it could not.
"""
from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PROJECT = HERE / "photoapp"
sys.path.insert(0, str(HERE))

from imagekit_emulator import ImageKitEmulator  # noqa: E402

BUCKET = "photoapp-media"
# The local S3 accepts any key; these say what they are.
S3_KEYS = {"AWS_ACCESS_KEY_ID": "local-s3-example-key",
           "AWS_SECRET_ACCESS_KEY": "local-s3-example-secret-not-a-real-key"}
# Packages the S3 variant needs, and the pip install that brings each.
S3_NEEDS = (("moto.server", 'pip install "moto[server]"'),
            ("storages", 'pip install "django-upload-diagnostics[s3]"'),
            ("boto3", 'pip install "django-upload-diagnostics[s3]"'))


@contextmanager
def imagekit():
    """The ImageKit emulator; yields the example's environment for it."""
    with ImageKitEmulator() as emulator:
        print(f"ImageKit emulator on {emulator.url}", file=sys.stderr)
        yield {**os.environ, **emulator.environ(), "STORAGE_BACKEND": "imagekit"}
        calls = ", ".join(f"{r.method} {r.path} -> {r.status}" for r in emulator.requests)
        print(f"The emulator answered: {calls or 'nothing'}", file=sys.stderr)


@contextmanager
def s3():
    """moto's S3 server, the proxy in front of it and the bucket; yields the example's
    environment for them, without the caller's AWS profile, keys or instance metadata."""
    import boto3
    from s3_proxy import S3Proxy, moto_server

    with moto_server() as upstream, S3Proxy(upstream) as proxy:
        print(f"S3 (moto) on {upstream}, the S3 proxy on {proxy.url}", file=sys.stderr)
        client = boto3.client("s3", endpoint_url=upstream, region_name="us-east-1",
                              aws_access_key_id=S3_KEYS["AWS_ACCESS_KEY_ID"],
                              aws_secret_access_key=S3_KEYS["AWS_SECRET_ACCESS_KEY"])
        client.create_bucket(Bucket=BUCKET, ObjectOwnership="BucketOwnerEnforced")
        client.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={
            name: True for name in ("BlockPublicAcls", "IgnorePublicAcls",
                                    "BlockPublicPolicy", "RestrictPublicBuckets")})
        proxy.fault("acl_disabled")  # moto stores ACLs even so; AWS refuses them
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        yield {**env, **S3_KEYS, "STORAGE_BACKEND": "s3", "AWS_STORAGE_BUCKET_NAME": BUCKET,
               "AWS_S3_ENDPOINT_URL": proxy.url, "AWS_S3_REGION_NAME": "us-east-1",
               "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": os.devnull,
               "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
        calls = Counter(f"{r.operation} -> {r.status}" for r in proxy.requests)
        print("The S3 proxy answered: " + (", ".join(
            f"{call} ({n}x)" for call, n in sorted(calls.items())) or "nothing"),
            file=sys.stderr)
        keys = [item["Key"] for page in client.get_paginator("list_objects_v2").paginate(
            Bucket=BUCKET) for item in page.get("Contents", ())]
        print(f"The bucket holds {len(keys)} objects after the run"
              + "".join(f"\n  {key}" for key in keys), file=sys.stderr)


def missing_for_s3() -> list[str]:
    """The pip installs the S3 variant still needs."""
    needed = []
    for module, install in S3_NEEDS:
        try:
            importlib.import_module(module)
        except ImportError:  # moto without its [server] extra lacks flask, too
            needed.append(install)
    return list(dict.fromkeys(needed))


def diagnose(env: dict, extra: list[str]) -> int:
    command = [sys.executable, "-m", "upload_diagnostics.manage_commands",
               "--settings", "photosite.settings", "--project-dir", str(PROJECT),
               "--format", "html", "--format", "md", "--output", ".", *extra]
    return subprocess.call(command, env={**env, "PYTHONPATH": str(PROJECT)})


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0],
                                     allow_abbrev=False)
    parser.add_argument("--storage", choices=("imagekit", "s3"), default="imagekit",
                        help="the example's storage, on a local stand-in (default: imagekit)")
    args, extra = parser.parse_known_args(argv)
    if args.storage == "s3" and (needed := missing_for_s3()):
        print("--storage s3 needs moto's S3 server, django-storages and boto3; to add the "
              f"missing ones: {'; '.join(needed)}", file=sys.stderr)
        return 2
    stand_in = {"imagekit": (imagekit, "a local ImageKit emulator"),
                "s3": (s3, "a local S3 (moto)")}[args.storage]
    print(f"Diagnosing {PROJECT.relative_to(REPO)} against {stand_in[1]}...", file=sys.stderr)
    started = time.time()
    with stand_in[0]() as env:
        status = diagnose(env, extra)
    written = [name for name in ("report.html", "report.md")
               if Path(name).is_file() and Path(name).stat().st_mtime >= started - 1]
    if status in (0, 1) and len(written) == 2:
        print(f"Open {Path('report.html').resolve()} (also report.md).")
        return 0
    print(f"The diagnosis did not run (exit status {status}).", file=sys.stderr)
    return status or 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
