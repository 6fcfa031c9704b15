#!/bin/bash
# LEVELS background worker boot (seed 003): consumes the jobs queue; scaled on its depth.
set -euo pipefail
# Its output goes to the file the CloudWatch agent ships (compute.fleets.worker.log_files), rotated daily here.
install -d -m 0755 /var/log/levels /etc/systemd/system/levels-worker.service.d
printf '[Service]\nStandardOutput=append:/var/log/levels/worker.log\nStandardError=append:/var/log/levels/worker.log\n' \
  > /etc/systemd/system/levels-worker.service.d/log-file.conf
printf '/var/log/levels/*.log {\n  daily\n  rotate 7\n  compress\n  missingok\n  notifempty\n  copytruncate\n}\n' \
  > /etc/logrotate.d/levels
systemctl daemon-reload
systemctl enable --now levels-worker
