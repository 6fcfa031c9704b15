#!/bin/bash
# Cafe app server boot (seed 001): everything it needs comes from SSM Parameter Store at start-up, under
# the same names in either region, so the same image and script serve the primary and the standby.
set -euo pipefail
TOKEN=$(curl -sX PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 300")
tag() { curl -s -H "X-aws-ec2-metadata-token: $TOKEN" "http://169.254.169.254/latest/meta-data/tags/instance/$1"; }
PREFIX="/$(tag Project)/$(tag Environment)"
get() { aws ssm get-parameter --name "$PREFIX/$1" --with-decryption --query Parameter.Value --output text 2>/dev/null; }
umask 077
{
  echo "DB_HOST=$(get data/database/cafe/endpoint)"
  echo "DB_PORT=$(get data/database/cafe/port)"
  echo "DB_NAME=$(get app/app_name)"
  echo "ACTIVE_REGION=$(get data/dr/active_region || echo primary)"
} > /etc/cafe.env
chown apache /etc/cafe.env
# Shared uploads on EFS where the region has the file system (the standby mounts it once it is restored)
if FS=$(get data/file_system/shared/id) && AP=$(get data/file_system/shared/access_point/web); then
  mkdir -p /var/www/shared
  mount -t efs -o tls,accesspoint="$AP" "$FS":/ /var/www/shared
fi
systemctl restart php-fpm httpd
