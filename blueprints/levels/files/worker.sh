#!/bin/bash
# LEVELS background worker boot (seed 003): consumes the jobs queue; scaled on its depth.
set -euo pipefail
systemctl enable --now levels-worker
