# label: positive
# not: fileptr.E002
from io import BytesIO


def export_rows(client, rows):
    out = BytesIO()
    out.writelines(rows)
    return client.upload_file(file=out, file_name="export.csv")  # expect: fileptr.E001
