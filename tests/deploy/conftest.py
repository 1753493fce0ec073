"""Deployment tests: the infrastructure template on the moto server's CloudFormation, the packaged
template and Lambda zip, the Chalice stages, the LocalStack compose file."""

from __future__ import annotations


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "package: runs `make package` (chalice package; on a cold .chalice/deployments cache it "
        "downloads the Lambda wheels from PyPI once)",
    )
