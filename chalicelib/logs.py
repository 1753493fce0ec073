"""Structured JSON logs (aws-lambda-powertools). Request bodies are never logged: they may hold
card data; log ids and outcomes only."""

from __future__ import annotations

from aws_lambda_powertools import Logger

logger = Logger(service="payment-gateway")
