#!/bin/bash
# Cafe web server boot: the golden image has Apache and PHP; this writes the database settings from
# SSM Parameter Store (seed 001's pattern: instances read their configuration at start-up).
set -euo pipefail
TOKEN=$(curl -sX PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 300")
tag() { curl -s -H "X-aws-ec2-metadata-token: $TOKEN" "http://169.254.169.254/latest/meta-data/tags/instance/$1"; }
PREFIX="/$(tag Project)/$(tag Environment)"
get() { aws ssm get-parameter --name "$PREFIX/$1" --with-decryption --query Parameter.Value --output text; }
umask 077
{
  echo "DB_HOST=$(get data/database/orders/endpoint)"
  echo "DB_PORT=$(get data/database/orders/port)"
  echo "DB_NAME=cafe"
} > /etc/cafe.env
chown apache /etc/cafe.env
systemctl restart php-fpm httpd
