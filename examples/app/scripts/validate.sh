#!/bin/bash
# ValidateService: the deployment succeeds only if the app answers its health check within 60 s.
# A failure here makes CodeDeploy fail the deployment and roll back to the last good revision.
for i in $(seq 1 30); do
  if curl -fsS -o /dev/null --max-time 2 http://127.0.0.1:80/health; then
    echo "healthy after ${i} tries"
    exit 0
  fi
  sleep 2
done
echo "the app did not answer /health with 2xx within 60 s" >&2
exit 1
