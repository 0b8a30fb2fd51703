# label: negative
# not: fileptr.E001
import hashlib


def same_content(request):
    left = request.FILES["left"]
    right = request.FILES["right"]
    return hashlib.md5(left.read()).digest() == hashlib.md5(right.read()).digest()
