"""Personal data: AES-GCM at rest under a versioned key, bound to its row and column; masked for
display."""

from __future__ import annotations

import os
import uuid

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.core import personal_data

KEY = os.urandom(32)
KEYS = personal_data.Keyring(1, {1: KEY})
PHONE = personal_data.EMPLOYER_PHONE
ROW = uuid.uuid4()


def seal(plain: str, keys: personal_data.Keyring = KEYS, row_id: uuid.UUID = ROW) -> bytes:
    return personal_data.encrypt(plain, keys=keys, column=PHONE, row_id=row_id)


def unseal(blob: bytes, keys: personal_data.Keyring = KEYS, row_id: uuid.UUID = ROW) -> str:
    return personal_data.decrypt(blob, keys=keys, column=PHONE, row_id=row_id)


def legacy(plain: str, key: bytes = KEY) -> bytes:
    """As stored before keys had versions (nonce, ciphertext, no associated data), with the
    format-0 byte migration 0019 put in front."""
    nonce = os.urandom(12)
    return b"\x00" + nonce + AESGCM(key).encrypt(nonce, plain.encode(), None)


def test_encrypt_round_trips_and_hides_the_plaintext():
    blob = seal("141121199001011234")
    assert b"141121199001011234" not in blob
    assert unseal(blob) == "141121199001011234"


def test_the_same_value_encrypts_differently_each_time():
    assert seal("13812345678") != seal("13812345678")  # a fresh nonce: equal numbers not visible


def test_a_ciphertext_carries_its_format_and_key_version():
    blob = seal("13812345678", personal_data.Keyring(258, {258: KEY}))
    assert blob[:3] == bytes([1, 1, 2])  # format 1, key version 258 (big-endian)
    assert personal_data.version(blob) == {"format": 1, "key_version": 258}


def test_a_ciphertext_moved_to_another_row_does_not_decrypt():
    with pytest.raises(personal_data.Unreadable):
        unseal(seal("13812345678"), row_id=uuid.uuid4())


def test_a_ciphertext_moved_to_another_column_does_not_decrypt():
    blob = seal("141121199001011234")
    with pytest.raises(personal_data.Unreadable):
        personal_data.decrypt(blob, keys=KEYS, column=personal_data.EMPLOYER_ID_NUMBER, row_id=ROW)


def test_another_key_cannot_decrypt():
    with pytest.raises(personal_data.Unreadable):
        unseal(seal("141121199001011234"), personal_data.Keyring(1, {1: os.urandom(32)}))


def test_a_tampered_blob_is_refused():
    blob = bytearray(seal("141121199001011234"))
    blob[-1] ^= 1
    with pytest.raises(personal_data.Unreadable):
        unseal(bytes(blob))


def test_a_ciphertext_under_a_retired_key_still_reads_and_new_ones_use_the_current_key():
    rotated = personal_data.Keyring(2, {1: KEY, 2: os.urandom(32)})
    assert unseal(seal("13812345678"), rotated) == "13812345678"
    assert personal_data.version(seal("13812345678", rotated))["key_version"] == 2


def test_a_ciphertext_under_a_key_no_longer_configured_is_unreadable():
    blob = seal("13812345678")
    with pytest.raises(personal_data.Unreadable, match="key version 1"):
        unseal(blob, personal_data.Keyring(2, {2: os.urandom(32)}))


def test_a_header_naming_another_key_version_is_refused():
    rotated = personal_data.Keyring(2, {1: KEY, 2: os.urandom(32)})
    blob = bytearray(seal("13812345678", rotated))
    blob[2] = 1  # claims key 1, which is known: the header is bound too
    with pytest.raises(personal_data.Unreadable):
        unseal(bytes(blob), rotated)


def test_the_stored_format_before_key_versions_reads_under_key_version_1():
    blob = legacy("141121199001011234")
    assert unseal(blob) == "141121199001011234"
    assert unseal(blob, personal_data.Keyring(2, {1: KEY, 2: os.urandom(32)})) == (
        "141121199001011234"
    )
    assert personal_data.version(blob) == {"format": 0, "key_version": 1}


@pytest.mark.parametrize("blob", [b"", b"\x07" + os.urandom(40), b"\x01\x00\x01"])
def test_a_blob_of_no_known_format_is_unreadable(blob):
    with pytest.raises(personal_data.Unreadable):
        unseal(blob)


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
