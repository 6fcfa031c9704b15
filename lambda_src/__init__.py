"""Source code of the Lambda functions the blueprints deploy (zipped by lambda_src.packaging)."""
