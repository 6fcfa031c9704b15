"""The emulator harness re-runs apply/destroy only for dropped connections, never for real errors."""

from tests.harness.terraform import is_dropped_connection

DROPPED = (
    "\nError: waiting for SQS Queue (http://127.0.0.1:40853/123456789012/levels-prod-jobs-dlq) delete: "
    "operation error SQS: GetQueueAttributes, exceeded maximum number of attempts, 2, https response "
    "error StatusCode: 400, RequestID: x, decomposing response: read tcp 127.0.0.1:49052->127.0.0.1:40853: "
    "use of closed network connection\n\n"
)
CONFIG_ERROR = "\nError: creating EC2 Instance: InvalidParameterValue: bad AMI\n\n"


def test_a_dropped_connection_is_retried():
    assert is_dropped_connection(DROPPED)
    assert is_dropped_connection(DROPPED + DROPPED.replace("closed network connection", "connection reset by peer"))


def test_a_real_error_is_not_retried_even_beside_a_dropped_connection():
    assert not is_dropped_connection(CONFIG_ERROR)
    assert not is_dropped_connection(DROPPED + CONFIG_ERROR)


def test_no_error_text_is_not_a_dropped_connection():
    assert not is_dropped_connection("")
    assert not is_dropped_connection("Warning: deprecated argument\n")
