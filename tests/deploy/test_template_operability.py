"""What the template declares for operating a stage on AWS: protected tables in production,
an alarm on every dead-letter queue, every function's errors and throttles, the webhook failure
rate and the repairs, all notifying one SNS topic. moto's CloudFormation ignores point-in-time
recovery and alarms, so these read the template itself."""

from __future__ import annotations

import re

import pytest

from chalicelib import metrics
from chalicelib.jobs import sources
from infra import alarms
from infra.resources import PRODUCTION_STAGES, QUEUES, for_stage, tables
from infra.template import template

STAGE = "prod"


def of_type(body: dict, kind: str) -> dict[str, dict]:
    return {name: resource for name, resource in body["Resources"].items() if resource["Type"] == kind}


def dimension(alarm: dict, name: str) -> object:
    return next(d["Value"] for d in alarm["Properties"].get("Dimensions", []) if d["Name"] == name)


def test_prod_is_a_production_stage_and_local_ones_are_not() -> None:
    assert "prod" in PRODUCTION_STAGES
    assert not {"local", "localstack"} & PRODUCTION_STAGES


@pytest.mark.parametrize(("stage", "production"), [("prod", True), ("local", False), ("ci1234", False)])
def test_production_tables_have_point_in_time_recovery_and_deletion_protection(stage: str, production: bool) -> None:
    declared = of_type(template(stage), "AWS::DynamoDB::Table")
    assert len(declared) == len(tables()) > 0
    for table in declared.values():
        properties = table["Properties"]
        recovery = properties.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled", False)
        assert recovery is production, table
        assert properties.get("DeletionProtectionEnabled", False) is production, table


def test_a_stage_can_be_made_production_explicitly() -> None:
    declared = of_type(template("staging", production=True), "AWS::DynamoDB::Table")
    assert all(table["Properties"]["DeletionProtectionEnabled"] for table in declared.values())


def test_every_dead_letter_queue_has_a_depth_alarm() -> None:
    found = of_type(template(STAGE), "AWS::CloudWatch::Alarm")
    watched = {
        dimension(alarm, "QueueName")
        for alarm in found.values()
        if alarm["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"
    }
    assert watched == {for_stage(spec.dead_letter_name, STAGE) for spec in QUEUES}


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_has_an_errors_and_a_throttles_alarm(metric: str) -> None:
    found = of_type(template(STAGE), "AWS::CloudWatch::Alarm")
    watched = {
        dimension(alarm, "FunctionName")
        for alarm in found.values()
        if alarm["Properties"].get("Namespace") == "AWS/Lambda" and alarm["Properties"]["MetricName"] == metric
    }
    functions = ["api_handler", *sources.FUNCTIONS.values(), "reconcile"]
    assert watched == {alarms.function_name(function, STAGE) for function in functions}
    assert "payment-gateway-prod" in watched and "payment-gateway-prod-process_payments" in watched


def test_the_webhook_failure_rate_alarm_reads_the_functions_own_metrics() -> None:
    alarm = template(STAGE)["Resources"]["WebhookFailureRateAlarm"]["Properties"]
    queries = {query["Id"]: query for query in alarm["Metrics"]}
    expression = queries["rate"]["Expression"]
    assert set(re.findall(r"[a-z]+", expression)) - {"if"} <= set(queries)
    read = {
        query["MetricStat"]["Metric"]["MetricName"]: query["MetricStat"]["Metric"]
        for query in queries.values()
        if "MetricStat" in query
    }
    assert set(read) == {metrics.WEBHOOK_FAILURES, metrics.WEBHOOK_ATTEMPTS}
    for metric in read.values():
        # Exactly the namespace and dimension set chalicelib/metrics.py publishes under.
        assert metric["Namespace"] == f"PaymentGateway/{STAGE}"
        assert {d["Name"]: d["Value"] for d in metric["Dimensions"]} == {
            "function": "deliver_webhooks",
            "service": metrics.SERVICE,
        }
    assert alarm["Threshold"] == alarms.WEBHOOK_FAILURE_RATE


def test_the_repairs_alarm_reads_the_metric_the_repairs_publish() -> None:
    alarm = template(STAGE)["Resources"]["RepairsAlarm"]["Properties"]
    assert metrics.REPAIRS == "Repairs"
    assert (alarm["Namespace"], alarm["MetricName"]) == (f"PaymentGateway/{STAGE}", metrics.REPAIRS)
    assert alarm["Dimensions"] == [{"Name": "service", "Value": metrics.SERVICE}]


def test_every_alarm_notifies_the_topic_and_an_email_is_optional() -> None:
    body = template(STAGE)
    found = of_type(body, "AWS::CloudWatch::Alarm")
    assert len(found) == len(QUEUES) + 2 * (2 + len(sources.FUNCTIONS)) + 2  # + the API and the reconciler
    for alarm in found.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": alarms.TOPIC_ID}]
        assert alarm["Properties"]["AlarmName"].startswith(f"paygw-{STAGE}-")
    (subscription,) = of_type(body, "AWS::SNS::Subscription").values()
    assert subscription["Condition"] in body["Conditions"]
    assert body["Parameters"][alarms.EMAIL_PARAMETER]["Default"] == ""


def test_a_packaged_template_points_the_function_alarms_at_its_functions() -> None:
    body = template(STAGE)
    body["Resources"]["APIHandler"] = {"Type": "AWS::Serverless::Function", "Properties": {}}
    body["Resources"]["ProcessPayments"] = {"Type": "AWS::Serverless::Function", "Properties": {}}
    alarms.reference_functions(body, STAGE)
    resources = body["Resources"]
    assert dimension(resources["ApiHandlerErrorsAlarm"], "FunctionName") == {"Ref": "APIHandler"}
    assert dimension(resources["ProcessPaymentsThrottlesAlarm"], "FunctionName") == {"Ref": "ProcessPayments"}
    # A function the template does not hold keeps its deployed name.
    assert dimension(resources["ProcessRefundsErrorsAlarm"], "FunctionName") == "payment-gateway-prod-process_refunds"
