"""The kms-keystore patch (infra/local/kms_keystore.py): KMS keys outlive the moto server, so what
was sealed before a restart opens after it. Without the patch (EMULATOR_KMS_KEYS_FILE unset) the
old ciphertext names a key the new server never heard of."""

from __future__ import annotations

import stat

import pytest
from botocore.exceptions import ClientError

from tests.support.stack import Emulator

from .conftest import client


def test_keys_aliases_and_ciphertexts_survive_a_restart_and_the_file_is_private(tmp_path):
    keys_file = tmp_path / "kms-keys.json"
    first = Emulator(env={"EMULATOR_KMS_KEYS_FILE": str(keys_file)}, dynamodb=False)
    try:
        kms = client(first, "kms")
        key_id = kms.create_key(Description="seals secrets")["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName="alias/paygw-t-secrets", TargetKeyId=key_id)
        sealed = kms.encrypt(KeyId="alias/paygw-t-secrets", Plaintext=b"whsec_secret")["CiphertextBlob"]
    finally:
        first.close()
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600

    second = Emulator(env={"EMULATOR_KMS_KEYS_FILE": str(keys_file)}, dynamodb=False)
    try:
        kms = client(second, "kms")
        assert kms.decrypt(CiphertextBlob=sealed)["Plaintext"] == b"whsec_secret"
        assert kms.describe_key(KeyId="alias/paygw-t-secrets")["KeyMetadata"]["KeyId"] == key_id
        again = kms.encrypt(KeyId="alias/paygw-t-secrets", Plaintext=b"x")["CiphertextBlob"]
        assert kms.decrypt(CiphertextBlob=again)["Plaintext"] == b"x"
    finally:
        second.close()

    without = Emulator(dynamodb=False)  # what every restart did before: a new server, no keys
    try:
        with pytest.raises(ClientError):
            client(without, "kms").decrypt(CiphertextBlob=sealed)
    finally:
        without.close()
