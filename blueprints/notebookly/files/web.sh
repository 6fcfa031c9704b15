#!/bin/bash
# Notebookly web server boot (seed 004). The AMI carries the web stack; this script only wires the
# instance to its environment: settings come from SSM Parameter Store, never from this file.
set -euo pipefail
TOKEN=$(curl -sX PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 300")
PROJECT=$(curl -s -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/tags/instance/Project)
ENVIRONMENT=$(curl -s -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/tags/instance/Environment)
aws ssm get-parameters-by-path --path "/$PROJECT/$ENVIRONMENT/" --recursive --with-decryption \
  --query 'Parameters[].[Name,Value]' --output text > /etc/notebookly.env
chmod 600 /etc/notebookly.env
systemctl enable --now httpd
