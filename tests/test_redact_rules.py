"""diagnostics.redact's rules one by one: which names and values count as secrets, the
shapes recognised anywhere, the fingerprint, and how a report tree is scrubbed. (The
canary test in test_redaction.py drives the same code end to end.)"""
from __future__ import annotations

import types

import pytest

from upload_diagnostics.diagnostics.redact import (Redactor, fingerprint, secret_assignments,
                                                   secret_values)

AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # 40 characters


def settings(**values):
    return types.SimpleNamespace(**values)


def scrubbed(text: str, *known: str) -> tuple[str, list[str]]:
    redactor = Redactor(known)
    return redactor.scrub(text, "here"), [e["kind"] for e in redactor.log]


def test_fingerprint_shows_last_four_length_and_hash_from_16_characters():
    assert fingerprint("abcdefghijklmnop") == "«redacted …mnop len=16 sha256=f39dac6c»"
    assert fingerprint("abcdefghijklmno") == "«redacted len=15»"  # too short to show any
    assert fingerprint(1234) == "«redacted len=4»"


@pytest.mark.parametrize("name", ["IMAGEKIT_KEY", "MY_SECRET", "GH_TOKEN", "DB_PASSWORD",
                                  "URL_SIGNATURE", "ik_private", "CREDENTIALS", "AUTH_HEADER"])
def test_secret_names_in_the_environment(name):
    assert secret_values(environ={name: "value1", "HOME": "/root"}) == {"value1"}


def test_environment_values_stripped_and_unquoted_from_four_characters():
    found = secret_values(environ={"API_KEY": ' "quoted" ', "PASSWORD": b"bytes-value",
                                   "TOKEN": "abc", "AUTH": "abcd", "KEY_ID": 1234})
    assert found == {' "quoted" ', '"quoted"', "quoted", "bytes-value", "abcd"}


def test_the_process_environment_is_read_by_default(monkeypatch):
    monkeypatch.setenv("UDX_TEST_TOKEN", "env-canary-4417")
    assert "env-canary-4417" in secret_values()
    assert "env-canary-4417" not in secret_values(environ={})


def test_settings_secret_by_name_nested_and_url_passwords():
    conf = settings(
        IMAGEKIT={"PRIVATE_KEY": "ik-private-value", "URL_ENDPOINT": "https://ik.io/x",
                  "OPTIONS": {"nested": ["deep-value"]}},
        STORAGES={"default": {"OPTIONS": {"access_key": ["list-secret"]}}},
        DATABASE_URL="postgres://app:db-password@db:5432/app",
        CACHES={"default": {"LOCATION": "redis://:cache-pass@redis:6379/0"}},
        DEBUG=True, lower_case_password="not-a-setting", AUTH_MODE=7)
    assert secret_values(conf, environ={}) == {
        "ik-private-value", "list-secret", "db-password", "cache-pass"}


def test_settings_under_a_secret_name_are_all_secret():
    conf = settings(AWS_CREDENTIALS={"id": "key-id-value", "more": ("tuple-value",)})
    assert secret_values(conf, environ={}) == {"key-id-value", "tuple-value"}


def test_known_values_longest_first():
    text, kinds = scrubbed("token abcd and abcdefgh", "abcd", "abcdefgh")
    assert text == "token «redacted len=4» and «redacted len=8»"
    assert kinds == ["known-value"]


def test_nothing_to_scrub():
    redactor = Redactor(["", "secret-value"])
    assert redactor.scrub("plain text") == "plain text"
    assert redactor.scrub("") == "" and redactor.scrub(None) is None
    assert redactor.scrub(42) == 42
    assert redactor.log == []
    assert Redactor().scrub("no known values") == "no known values"


def test_log_says_where_once():
    redactor = Redactor(["secret-value"])
    redactor.scrub("secret-value")
    redactor.scrub("secret-value again")
    redactor.scrub("secret-value", "checks[0].message")
    assert redactor.log == [{"where": "output", "kind": "known-value"},
                            {"where": "checks[0].message", "kind": "known-value"}]


def test_url_userinfo_keeps_scheme_and_user():
    text, kinds = scrubbed("db at postgres://app:hunter22@db/x and https://u@h/")
    assert text == "db at postgres://app:«redacted len=8»@db/x and https://u@h/"
    assert kinds == ["url-userinfo"]
    assert scrubbed("redis://:pw123@cache")[0] == "redis://:«redacted len=5»@cache"


def test_imagekit_private_key_but_not_the_keyword():
    key = "private_Zk3vQ9xY2mL8pR4tW7nB1cD5eF0="
    assert scrubbed(f"key={key}") == (f"key={fingerprint(key)}", ["imagekit-private-key"])
    assert scrubbed("ImageKit(private_key=value)")[0] == "ImageKit(private_key=value)"
    assert scrubbed("private_keyAbC9") == (fingerprint("private_keyAbC9"),
                                           ["imagekit-private-key"])
    assert scrubbed("private_abc") == ("private_abc", [])  # three characters: no key


def test_bearer_tokens_from_eight_characters():
    assert scrubbed("Authorization: bearer abc.DEF-12") == (
        "Authorization: bearer «redacted len=10»", ["bearer-token"])
    assert scrubbed("Bearer abcdefg")[0] == "Bearer abcdefg"


def test_aws_access_key_ids():
    for key in ("AKIAIOSFODNN7EXAMPLE", "ASIAIOSFODNN7EXAMPLE"):
        assert scrubbed(f"id {key}.") == ("id «redacted …MPLE len=20 sha256=" +
                                          fingerprint(key).split("sha256=")[1][:8] + "».",
                                          ["aws-access-key-id"])
    assert scrubbed("AKIAIOSFODNN7EXAMPL")[1] == []  # 15 after the prefix
    assert scrubbed("XAKIAIOSFODNN7EXAMPLE")[1] == []  # not a word of its own


def test_aws_secret_shape_is_exactly_40_mixed_characters():
    assert scrubbed(f"secret: {AWS_SECRET}") == (f"secret: {fingerprint(AWS_SECRET)}",
                                                ["aws-secret"])
    assert scrubbed(f"BUCKET_CFG={AWS_SECRET}") == (f"BUCKET_CFG={fingerprint(AWS_SECRET)}",
                                                   ["aws-secret"])  # after a plain name
    assert scrubbed(f"{AWS_SECRET}x")[1] == []  # 41 characters
    assert scrubbed(f"x{AWS_SECRET}")[1] == []
    assert scrubbed(f"/{AWS_SECRET}")[1] == []
    assert scrubbed(AWS_SECRET[1:])[1] == []  # 39
    assert scrubbed("ab" * 20)[1] == []  # lower case only: a hex digest
    assert scrubbed("AB" * 20)[1] == []  # no lower case
    assert scrubbed("Ab" * 20)[1] == []  # no digit, / or +
    assert scrubbed("Ab" * 19 + "/a")[1] == ["aws-secret"]
    assert scrubbed("Ab" * 19 + "9a")[1] == ["aws-secret"]


def test_a_fingerprint_is_not_scrubbed_again():
    redactor = Redactor(["abcd"])
    once = redactor.scrub("abcd")
    assert redactor.scrub(once) == once == "«redacted len=4»"
    assert redactor.log == [{"where": "output", "kind": "known-value"}]


def test_tree_scrubs_by_key_name_and_kv_items():
    redactor = Redactor(["hunter2pass"])
    tree = {"checks": [{"message": "x hunter2pass y", "evidence": [
        {"items": [["API_KEY", "v4lue"], ["name", "plain"], ["TOKEN", "  "]]},
        {"rows": [["PASSWORD", "row-value"]]}]}],
        "TOKEN": "abc", "SECRET": "«redacted len=9»", "AUTH": 3, "note": ["hunter2pass"]}
    assert redactor.scrub_tree(tree) == {
        "checks": [{"message": "x «redacted len=11» y", "evidence": [
            {"items": [["API_KEY", "«redacted len=5»"], ["name", "plain"], ["TOKEN", "  "]]},
            {"rows": [["PASSWORD", "row-value"]]}]}],
        "TOKEN": "«redacted len=3»", "SECRET": "«redacted len=9»", "AUTH": 3,
        "note": ["«redacted len=11»"]}
    assert redactor.log == [
        {"where": "checks[0].message", "kind": "known-value"},
        {"where": "checks[0].evidence[0].items[0]", "kind": "key-name"},
        {"where": "TOKEN", "kind": "key-name"},
        {"where": "note[0]", "kind": "known-value"}]


def test_quotes_stripped_but_not_the_value_and_bytes_that_are_not_utf8():
    found = secret_values(environ={"API_KEY": ' "Xvalue9X" ', "TOKEN": b"caf\xe9-secret"})
    assert found == {' "Xvalue9X" ', '"Xvalue9X"', "Xvalue9X", "caf\ufffd-secret"}


def test_matches_inside_a_fingerprint_are_left_alone_up_to_its_edges():
    shown = fingerprint("abcdefghijklmnop")  # «redacted …mnop len=16 sha256=f39dac6c»
    assert Redactor(["mnop"]).scrub(shown) == shown
    assert Redactor(["«redacted"]).scrub(shown) == shown  # at its first character
    assert Redactor(["wxyz"]).scrub(shown + "wxyz") == shown + "«redacted len=4»"


def test_kv_items_need_a_name_and_a_value():
    redactor = Redactor()
    tree = {"items": [[3, "s3cret-value"], ["PASSWORD", "p4ss-value"]]}
    assert redactor.scrub_tree(tree) == {"items": [[3, "s3cret-value"],
                                                   ["PASSWORD", "«redacted len=10»"]]}
    assert redactor.log == [{"where": "items[1]", "kind": "key-name"}]


@pytest.mark.parametrize("text,values", [
    ("PASSWORD=hunter22", ["hunter22"]), ('"api_key": "abcd"', ["abcd"]),
    ("token='s3cr'", ["s3cr"]), ('secret="xyz12"', ["xyz12"]), ("pwd => abcd", ["abcd"]),
    ("pwd => abc", []),  # under four characters
    ('secret_key = "k3y-value"', ["k3y-value"]), ("AUTH_TOKEN ='t0ken'", ["t0ken"]),
    ('password= "pa55"', ["pa55"]),  # a line of Python or INI
    ("secret_key = get_secret_key()", []), ("token == expected", []),  # code, not a value
    ("Authorization: Bearer abcdefgh", ["abcdefgh"]), ("tokens=[ abcd12 ]", ["abcd12"]),
    ("x.signature: sig0000", ["sig0000"]),
    ('private=Ab12 and credentials="cr3d"', ["Ab12", "cr3d"]),
    ("monkey=zzzz1", []), ("passport=abcd1", []),  # key, pass inside other words
    ("DB_PASS=${SECRET}", []), ("key=%(pw)s", []), ("token=<your-token>", []),
    ("token=****", []), ("key=aaaa", []), ("token=none", []), ("key=true", []),
    ("auth=changeme", []), ("key={key}", []), ("key=undefined", []), ("key=Redacted", []),
    ('token="«redacted len=5»"', []), (None, []), ("", []),
])
def test_values_assigned_to_secret_names_but_not_placeholders(text, values):
    assert secret_assignments(text) == values
