# label: negative
# not: fileptr.E001
import shutil
import subprocess


def transcode(upload, destination):
    shutil.copy(upload.temporary_file_path(), destination)
    subprocess.run(["cwebp", destination, "-o", f"{destination}.webp"], check=True)
    return f"{destination}.webp"
