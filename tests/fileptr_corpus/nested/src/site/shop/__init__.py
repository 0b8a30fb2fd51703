# label: negative
# not: fileptr.I001
