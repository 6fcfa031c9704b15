from modules.function.dead_letters import dead_letter_queue
from modules.function.function import FunctionVpc, ServerlessFunction, ServerlessFunctionProps, function_log_key_grant

__all__ = ["FunctionVpc", "ServerlessFunction", "ServerlessFunctionProps", "dead_letter_queue",
           "function_log_key_grant"]
