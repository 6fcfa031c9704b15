from modules.function.function import FunctionVpc, ServerlessFunction, ServerlessFunctionProps, function_log_key_grant

__all__ = ["FunctionVpc", "ServerlessFunction", "ServerlessFunctionProps", "function_log_key_grant"]
