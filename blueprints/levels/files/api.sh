#!/bin/bash
# LEVELS API server boot (seed 003): the image (baked by Packer/Image Builder) holds the API; the
# instance reads its settings from SSM Parameter Store and starts the service.
set -euo pipefail
systemctl enable --now levels-api
