"""Reusable emulator fixtures: one moto server per test module on 127.0.0.1, and boto3 clients for it.

A module is one scenario (apply, re-plan, ..., destroy in order) against its own fresh moto, so
scenarios never see each other's resources. Mark the module `xdist_group` to keep it on one worker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import boto3
import pytest

from tests.harness.moto_server import MotoServer, start_moto_server


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    server = start_moto_server(log_path=tmp_path_factory.mktemp("moto") / "moto.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def emulator_client(moto: MotoServer) -> Callable[[str, str], object]:
    """`emulator_client("ec2", "eu-west-1")`: a boto3 client that can only reach the emulator."""

    def client(service: str, region: str) -> object:
        return boto3.client(service, region_name=region, endpoint_url=moto.endpoint_url,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    return client
