"""Test the Lambda function code: sales report against real database servers, SNS via moto, packaging."""
