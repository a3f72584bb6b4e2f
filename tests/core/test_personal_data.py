"""Personal data: AES-GCM at rest with the key from settings, masked for display."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.exceptions import InvalidTag

from app.core import personal_data

KEY = base64.b64encode(os.urandom(32)).decode()


def test_encrypt_round_trips_and_hides_the_plaintext():
    blob = personal_data.encrypt("141121199001011234", KEY)
    assert b"141121199001011234" not in blob
    assert personal_data.decrypt(blob, KEY) == "141121199001011234"


def test_the_same_value_encrypts_differently_each_time():
    first = personal_data.encrypt("13812345678", KEY)
    second = personal_data.encrypt("13812345678", KEY)
    assert first != second  # a fresh nonce: equal numbers are not visible as equal blobs


def test_another_key_cannot_decrypt():
    blob = personal_data.encrypt("141121199001011234", KEY)
    other = base64.b64encode(os.urandom(32)).decode()
    with pytest.raises(InvalidTag):
        personal_data.decrypt(blob, other)


def test_a_tampered_blob_is_refused():
    blob = bytearray(personal_data.encrypt("141121199001011234", KEY))
    blob[-1] ^= 1
    with pytest.raises(InvalidTag):
        personal_data.decrypt(bytes(blob), KEY)


@pytest.mark.parametrize("length", [16, 24, 31])
def test_a_key_of_the_wrong_length_is_refused(length):
    key = base64.b64encode(os.urandom(length)).decode()
    with pytest.raises(ValueError, match="32 bytes"):
        personal_data.encrypt("x", key)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("141121199001011234", "1411**********1234"),
        ("14112119900101123X", "1411**********123X"),
    ],
)
def test_id_numbers_show_the_first_four_and_last_four(value, masked):
    assert personal_data.mask_id_number(value) == masked


def test_phones_show_the_first_three_and_last_four():
    assert personal_data.mask_phone("13812345678") == "138****5678"


def test_values_too_short_to_mask_partly_are_masked_entirely():
    assert personal_data.mask_id_number("12345678") == "********"
    assert personal_data.mask_phone("1234567") == "*******"
