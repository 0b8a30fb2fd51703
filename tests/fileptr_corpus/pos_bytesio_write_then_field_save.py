# label: positive
# not: fileptr.E001
import csv
from io import BytesIO, StringIO

from django.core.files import File


def export_orders(report, orders):
    text = StringIO()
    csv.writer(text).writerows((o.pk, o.total) for o in orders)
    buffer = BytesIO()
    buffer.write(text.getvalue().encode("utf-8"))
    export = File(buffer, name="orders.csv")
    report.file.save("orders.csv", export)  # expect: fileptr.E002
