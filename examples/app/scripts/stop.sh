#!/bin/bash
# ApplicationStop: stop the running revision (CodeDeploy runs the previous revision's copy of this script).
systemctl stop myapp.service 2>/dev/null || true
