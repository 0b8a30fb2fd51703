# label: positive
# not: fileptr.E001


def broken_view(request:  # expect: fileptr.I001
    return request.FILES["image"]
