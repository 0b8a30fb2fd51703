# label: positive
# not: fileptr.E001
import csv

from .models import ContactImport


def queue_contact_import(request):
    upload = request.FILES["contacts"]
    dialect = csv.Sniffer().sniff(upload.readline().decode("utf-8"))
    columns = upload.readline().decode("utf-8").strip().split(dialect.delimiter)
    return ContactImport.objects.create(source=upload, columns=columns)  # expect: fileptr.E002
