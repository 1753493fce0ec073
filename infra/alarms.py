"""The CloudWatch alarms of a stage, and the SNS topic they notify: part of infra/template.py.

Every dead-letter queue's depth; each function's errors and throttles; the webhook failure rate;
the repairs of stranded work. docs/operations.md says what each alarm means and what to do;
chalicelib/metrics.py publishes the gateway's own figures these read.

Function names: `chalice deploy` names the API's function <app>-<stage> and every other one
<app>-<stage>-<name>, the names this template uses; `make package` (infra/package.py) replaces
them with references to the functions of the packaged template, whose names CloudFormation picks.
"""

from __future__ import annotations

from chalicelib import metrics
from chalicelib.jobs import sources

from .queue_rules import chalice_config
from .resources import QUEUES, QueueSpec, for_stage

TOPIC_ID = "AlarmTopic"
EMAIL_PARAMETER = "AlarmEmail"
EMAIL_CONDITION = "AlarmEmailGiven"
API_FUNCTION = "api_handler"
RECONCILE_FUNCTION = "reconcile"  # app.py's scheduled reconciler: if it keeps failing, stranded work stays
FUNCTIONS = (API_FUNCTION, *sources.FUNCTIONS.values(), RECONCILE_FUNCTION)

WEBHOOK_FAILURE_RATE = 0.5
"""Alarm when more than half of the webhook attempts of 15 minutes failed..."""
WEBHOOK_MIN_ATTEMPTS = 20
"""...and there were at least this many: a single merchant's endpoint being down at night is
that merchant's problem (their delivery log shows it), not an incident."""
FIVE_MINUTES = 300


def function_name(function: str, stage: str) -> str:
    app = chalice_config()["app_name"]
    return f"{app}-{stage}" if function == API_FUNCTION else f"{app}-{stage}-{function}"


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.replace("_", "-").split("-"))


def _alarm(stage: str, name: str, description: str, **properties: object) -> dict:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmName": f"paygw-{stage}-{name}",
            "AlarmDescription": description + " (docs/operations.md)",
            "AlarmActions": [{"Ref": TOPIC_ID}],
            "OKActions": [{"Ref": TOPIC_ID}],
            "TreatMissingData": "notBreaching",
            **properties,
        },
    }


def _threshold(namespace: str, metric: str, dimensions: dict[str, object], statistic: str = "Sum") -> dict:
    """At least one in five minutes."""
    return {
        "Namespace": namespace,
        "MetricName": metric,
        "Dimensions": [{"Name": key, "Value": value} for key, value in dimensions.items()],
        "Statistic": statistic,
        "Period": FIVE_MINUTES,
        "EvaluationPeriods": 1,
        "Threshold": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    }


def dead_letter_alarm(spec: QueueSpec, stage: str) -> dict:
    queue = for_stage(spec.dead_letter_name, stage)
    return _alarm(
        stage,
        f"{spec.logical}-dlq-depth",
        f"Messages in {queue}: jobs that failed {spec.max_receive_count} receives",
        **_threshold("AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": queue}, "Maximum"),
    )


def function_alarms(function: str, stage: str) -> dict[str, dict]:
    name = function_name(function, stage)
    return {
        f"{_camel(function)}ErrorsAlarm": _alarm(
            stage,
            f"{function}-errors",
            f"{name} failed invocations (crashes, timeouts; a job's own failure is not one)",
            **_threshold("AWS/Lambda", "Errors", {"FunctionName": name}),
        ),
        f"{_camel(function)}ThrottlesAlarm": _alarm(
            stage,
            f"{function}-throttles",
            f"{name} invocations throttled (account or reserved concurrency reached)",
            **_threshold("AWS/Lambda", "Throttles", {"FunctionName": name}),
        ),
    }


def webhook_failure_rate_alarm(stage: str) -> dict:
    def stat(metric_id: str, metric: str) -> dict:
        dimensions = {metrics.FUNCTION_DIMENSION: sources.FUNCTIONS["webhook-deliveries"], "service": metrics.SERVICE}
        return {
            "Id": metric_id,
            "MetricStat": {
                "Metric": {
                    "Namespace": f"PaymentGateway/{stage}",
                    "MetricName": metric,
                    "Dimensions": [{"Name": key, "Value": value} for key, value in dimensions.items()],
                },
                "Period": 3 * FIVE_MINUTES,
                "Stat": "Sum",
            },
            "ReturnData": False,
        }

    return _alarm(
        stage,
        "webhook-failure-rate",
        f"Over {WEBHOOK_FAILURE_RATE:.0%} of at least {WEBHOOK_MIN_ATTEMPTS} webhook attempts in 15 minutes failed",
        Metrics=[
            {
                "Id": "rate",
                "Expression": f"IF(attempts >= {WEBHOOK_MIN_ATTEMPTS}, failures / attempts, 0)",
                "Label": "webhook failure rate",
                "ReturnData": True,
            },
            stat("failures", metrics.WEBHOOK_FAILURES),
            stat("attempts", metrics.WEBHOOK_ATTEMPTS),
        ],
        EvaluationPeriods=1,
        Threshold=WEBHOOK_FAILURE_RATE,
        ComparisonOperator="GreaterThanThreshold",
    )


def repairs_alarm(stage: str) -> dict:
    return _alarm(
        stage,
        "repairs",
        "Stranded pending work was found and re-queued (a lost message or a crash between two writes)",
        **_threshold(f"PaymentGateway/{stage}", metrics.REPAIRS, {"service": metrics.SERVICE}),
    )


def resources(stage: str) -> dict[str, dict]:
    found: dict[str, dict] = {
        TOPIC_ID: {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": f"paygw-{stage}-alarms"}},
        "AlarmEmailSubscription": {
            "Type": "AWS::SNS::Subscription",
            "Condition": EMAIL_CONDITION,
            "Properties": {"Protocol": "email", "Endpoint": {"Ref": EMAIL_PARAMETER}, "TopicArn": {"Ref": TOPIC_ID}},
        },
    }
    for spec in QUEUES:
        found[_camel(spec.logical) + "DeadLetterAlarm"] = dead_letter_alarm(spec, stage)
    for function in FUNCTIONS:
        found.update(function_alarms(function, stage))
    found["WebhookFailureRateAlarm"] = webhook_failure_rate_alarm(stage)
    found["RepairsAlarm"] = repairs_alarm(stage)
    return found


PARAMETERS = {
    EMAIL_PARAMETER: {
        "Type": "String",
        "Default": "",
        "Description": "An email address the alarms notify (empty: subscribe to the topic yourself)",
    }
}
CONDITIONS = {EMAIL_CONDITION: {"Fn::Not": [{"Fn::Equals": [{"Ref": EMAIL_PARAMETER}, ""]}]}}


def reference_functions(template: dict, stage: str) -> None:
    """In a packaged template, point each function alarm at the function resource itself."""
    by_name = {function_name(function, stage): _camel_chalice(function) for function in FUNCTIONS}
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::CloudWatch::Alarm":
            continue
        for dimension in resource["Properties"].get("Dimensions", []):
            logical = by_name.get(dimension["Value"]) if dimension["Name"] == "FunctionName" else None
            if logical and logical in template["Resources"]:
                dimension["Value"] = {"Ref": logical}


def _camel_chalice(function: str) -> str:
    """Chalice's logical id of a function (chalice/package.py: the API's is APIHandler)."""
    from chalice.utils import to_cfn_resource_name

    return "APIHandler" if function == API_FUNCTION else to_cfn_resource_name(function)
