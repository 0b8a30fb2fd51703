from django.db import models


class Photo(models.Model):
    title = models.CharField(max_length=200, blank=True)
    image = models.ImageField(upload_to="photos/")
    thumbnail = models.ImageField(upload_to="thumbnails/", blank=True)
    display = models.ImageField(upload_to="display/", blank=True)  # 2048 px WebP
    checksum = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.title or self.image.name
