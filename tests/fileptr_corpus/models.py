# label: negative
# not: fileptr.E001, fileptr.E002
from django.db import models


class Photo(models.Model):
    title = models.CharField(max_length=100)
    image = models.ImageField(upload_to="photos/")


class PriceList(models.Model):
    source = models.FileField(upload_to="price_lists/")
    rows = models.PositiveIntegerField(default=0)
