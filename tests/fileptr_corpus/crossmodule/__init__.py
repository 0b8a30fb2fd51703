# label: negative
