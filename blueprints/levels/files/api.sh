#!/bin/bash
# LEVELS API server boot (seed 003): the image (baked by Packer/Image Builder) holds the API; the
# instance reads its settings from SSM Parameter Store and starts the service.
set -euo pipefail
# Its output goes to the file the CloudWatch agent ships (compute.fleets.api.log_files): seed 003 sends logs to a
# logging service, so nobody needs SSH to read them. Rotated daily, a week kept here (CloudWatch keeps the rest).
install -d -m 0755 /var/log/levels /etc/systemd/system/levels-api.service.d
printf '[Service]\nStandardOutput=append:/var/log/levels/api.log\nStandardError=append:/var/log/levels/api.log\n' \
  > /etc/systemd/system/levels-api.service.d/log-file.conf
printf '/var/log/levels/*.log {\n  daily\n  rotate 7\n  compress\n  missingok\n  notifempty\n  copytruncate\n}\n' \
  > /etc/logrotate.d/levels
systemctl daemon-reload
systemctl enable --now levels-api
