# label: negative
# not: fileptr.E001, fileptr.E002
from .models import CollectionItem, Usage


def link_image(collection, kitten_image):
    # A model instance handed to a ForeignKey twice: no file, nothing consumed.
    CollectionItem.objects.create(collection=collection, image=kitten_image)
    Usage.objects.create(image=kitten_image, count=1)
    return kitten_image
