#!/bin/bash
# ApplicationStart: run the app from where CodeDeploy installed it, as a systemd service.
set -euo pipefail
APP_DIR="${APP_DIR:-/opt/myapp/current}"
cat > /etc/systemd/system/myapp.service <<UNIT
[Unit]
Description=ec2-rollback example app
After=network-online.target

[Service]
ExecStart=/usr/bin/python3 ${APP_DIR}/app.py
Environment=PORT=80
Restart=on-failure

[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable myapp.service
systemctl restart myapp.service
