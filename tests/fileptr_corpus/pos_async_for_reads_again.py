# label: positive
# not: fileptr.E002
async def import_archive(request, batches):
    archive = request.FILES["archive"]
    header = archive.read()
    async for batch in batches:
        if batch is None:
            break
    return header, archive.read()  # expect: fileptr.E001
