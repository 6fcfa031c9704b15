#!/bin/bash
# Notebookly web server boot (seed 004: user data installs the app; a simple web app on the instances).
# Idempotent: a second run installs nothing and writes the same files. Settings come from SSM Parameter Store,
# never from this file.
# The image is Amazon Linux 2023 (compute.images.al2023); dnf, yum and apt systems are all handled.
set -euo pipefail

# Settings: every parameter under /<Project>/<Environment>/ (the instance's tags, read through IMDSv2)
TOKEN=$(curl -sX PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 300")
PROJECT=$(curl -s -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/tags/instance/Project)
ENVIRONMENT=$(curl -s -H "X-aws-ec2-metadata-token: $TOKEN" http://169.254.169.254/latest/meta-data/tags/instance/Environment)

# The web server: httpd where dnf or yum install it, apache2 where apt does
if command -v dnf >/dev/null 2>&1; then
  SERVICE=httpd; CONF=/etc/httpd/conf.d/zz-notebookly.conf
  rpm -q httpd >/dev/null 2>&1 || dnf install -y httpd
elif command -v yum >/dev/null 2>&1; then
  SERVICE=httpd; CONF=/etc/httpd/conf.d/zz-notebookly.conf
  rpm -q httpd >/dev/null 2>&1 || yum install -y httpd
elif command -v apt-get >/dev/null 2>&1; then
  SERVICE=apache2; CONF=/etc/apache2/conf-available/zz-notebookly.conf
  if ! dpkg -s apache2 >/dev/null 2>&1 || ! command -v aws >/dev/null 2>&1; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q apache2
    command -v aws >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -q awscli \
      || snap install aws-cli --classic  # Ubuntu 24.04 has no awscli package
  fi
else
  echo "notebookly: no dnf, yum or apt-get: cannot install the web server" >&2
  exit 1
fi

umask 077
aws ssm get-parameters-by-path --path "/$PROJECT/$ENVIRONMENT/" --recursive --with-decryption \
  --query 'Parameters[].[Name,Value]' --output text > /etc/notebookly.env
chmod 600 /etc/notebookly.env
umask 022

# The app: a minimal page, and the page the load balancer checks (compute.fleets.web.health_check_path)
mkdir -p /var/www/html /var/www/notebookly
cat > /var/www/html/index.html <<'EOF'
<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Notebookly</title></head>
<body><h1>Notebookly</h1><p>Your notes, served by the web tier.</p></body>
</html>
EOF
echo ok > /var/www/notebookly/health.txt
cat > "$CONF" <<'EOF'
# Notebookly (blueprints/notebookly/files/web.sh). Last in its directory, so these settings win.
# The load balancer asks for exactly /health: an alias, so Apache answers 200 without a redirect to /health/
Alias /health /var/www/notebookly/health.txt
<Directory /var/www/notebookly>
    Require all granted
</Directory>
ServerTokens Prod
ServerSignature Off
TraceEnable Off
EOF
if [ "$SERVICE" = apache2 ]; then a2enconf -q zz-notebookly; fi

apachectl configtest
systemctl enable "$SERVICE"
systemctl restart "$SERVICE"
