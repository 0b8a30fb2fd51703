"""The e2e family: generated photos through the project's real upload path.

- `config`: the E2E settings, the family's flags, and the header values it keeps secret
- `discovery`: the upload endpoints of the URLconf; `listing`: --list-endpoints
- `filling`, `auth`: the request's fields and who it is made as
- `endpoint`: one request and what its answer means; `generic`: the generic path
- `tracker`, `derived`: who read what was uploaded, and what the project built from it
- `recording`, `session`: the storages put in place, and what is undone afterwards
- `check`: the checks, one per tier; `findings`: what they report; `codes`: the codes
"""
