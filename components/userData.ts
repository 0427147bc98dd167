// The instance's first-boot script (cloud-init user data). It also runs on every instance launched
// from a checkpoint AMI, so each step checks before it acts. It must not depend on the AMI version:
// a rollback changes the AMI and nothing else.
import { HEALTH_METRIC, healthMetricDimensions } from "../contract/naming";

export interface UserDataArgs {
  appName: string;
  stack: string;
  region: string;
  /** The partition's DNS suffix (`amazonaws.com`; `amazonaws.com.cn` in China). */
  dnsSuffix?: string;
  /** Port and path of the local health probe (the application-level alarm's signal). */
  healthPort: number;
  healthPath: string;
  /** Where CodeDeploy installs the app; the probe is silent until it exists. */
  appDestination: string;
  metricNamespace: string;
  /** The Elastic IP: only the machine that holds it (the live one) publishes its health. */
  address: string;
  /** The data volume's id, when there is one. */
  dataVolumeId?: string;
  dataMountPath: string;
}

export function renderUserData(a: UserDataArgs): string {
  const probe = `/usr/local/sbin/${a.appName}-health-probe`;
  const env = `/etc/ec2-rollback/${a.appName}-probe.env`;
  const dimensions = Object.entries(healthMetricDimensions(a.appName, a.stack))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const lines = [
    "#!/bin/bash",
    "# ec2-rollback first-boot script: idempotent, safe to run again on an instance made from a checkpoint AMI.",
    "set -uo pipefail",
    `REGION='${a.region}'`,
    "",
    "# 1. CodeDeploy agent (Amazon Linux 2023 / 2, Ubuntu).",
    "if ! [ -x /opt/codedeploy-agent/bin/codedeploy-agent ]; then",
    "  if command -v dnf >/dev/null; then dnf install -y ruby wget",
    "  elif command -v yum >/dev/null; then yum install -y ruby wget",
    "  elif command -v apt-get >/dev/null; then apt-get update && apt-get install -y ruby-full wget",
    "  fi",
    `  curl -fsSL --retry 5 -o /tmp/codedeploy-install "https://aws-codedeploy-\${REGION}.s3.\${REGION}.${a.dnsSuffix ?? "amazonaws.com"}/latest/install"`,
    "  chmod +x /tmp/codedeploy-install && /tmp/codedeploy-install auto && rm -f /tmp/codedeploy-install",
    "fi",
    "systemctl enable --now codedeploy-agent",
    "",
    "# 2. Health probe: every minute, 0 (answers) or 1 (does not) as a CloudWatch metric, from the live machine only",
    "#    (the one holding the Elastic IP): a standby's app is not what users see. Its settings reach it as",
    "#    data (a systemd EnvironmentFile written from a quoted here-document), never as shell source.",
    `mkdir -p /etc/ec2-rollback && cat > ${env} <<'ENV'`,
    `HEALTH_URL=http://127.0.0.1:${a.healthPort}${a.healthPath}`,
    `APP_DESTINATION=${a.appDestination}`,
    `ADDRESS=${a.address}`,
    `REGION=${a.region}`,
    `NAMESPACE=${a.metricNamespace}`,
    `DIMENSIONS=${dimensions}`,
    "ENV",
    `cat > ${probe} <<'PROBE'`,
    "#!/bin/bash",
    '[ -e "$APP_DESTINATION" ] || exit 0   # nothing deployed yet: publish nothing',
    'token=$(curl -fsS -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 60" http://169.254.169.254/latest/api/token) || exit 0',
    '[ "$(curl -fsS -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/public-ipv4)" = "$ADDRESS" ] || exit 0   # standby: publish nothing',
    'if curl -fsS -o /dev/null --max-time 5 "$HEALTH_URL"; then v=0; else v=1; fi',
    'exec aws cloudwatch put-metric-data --region "$REGION" --namespace "$NAMESPACE" \\',
    `  --metric-name ${HEALTH_METRIC} --dimensions "$DIMENSIONS" --unit Count --value "$v"`,
    "PROBE",
    `chmod 755 ${probe}`,
    `cat > /etc/systemd/system/${a.appName}-health-probe.service <<UNIT`,
    "[Service]",
    "Type=oneshot",
    `EnvironmentFile=${env}`,
    `ExecStart=${probe}`,
    "UNIT",
    `cat > /etc/systemd/system/${a.appName}-health-probe.timer <<UNIT`,
    "[Timer]",
    "OnBootSec=60",
    "OnUnitActiveSec=60",
    "[Install]",
    "WantedBy=timers.target",
    "UNIT",
    "systemctl daemon-reload",
    `systemctl enable --now ${a.appName}-health-probe.timer`,
  ];
  if (a.dataVolumeId) {
    const serial = a.dataVolumeId.replace("-", "");
    const mount = `/usr/local/sbin/${a.appName}-mount-data`;
    lines.push(
      "",
      "# 3. Data volume: attached to the live machine only, moved on a flip. Every 5 s: mount it when it is here",
      "#    (a file system made only if it has none); nothing to do when it is not.",
      `cat > ${mount} <<'MOUNT'`,
      "#!/bin/bash",
      "set -euo pipefail",
      `mountpoint -q '${a.dataMountPath}' && exit 0`,
      `for d in /dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${serial} /dev/sdf /dev/xvdf; do`,
      '  [ -b "$d" ] && dev=$(readlink -f "$d") && break',
      "done",
      '[ -n "${dev:-}" ] || exit 0   # not attached here (standby, or the flip is still moving it)',
      'blkid "$dev" >/dev/null || mkfs.xfs "$dev"',
      `mkdir -p '${a.dataMountPath}'`,
      'uuid=$(blkid -s UUID -o value "$dev")',
      `grep -q "$uuid" /etc/fstab || echo "UUID=$uuid ${a.dataMountPath} xfs defaults,nofail 0 2" >> /etc/fstab`,
      `mount '${a.dataMountPath}'`,
      "MOUNT",
      `chmod 755 ${mount}`,
      `cat > /etc/systemd/system/${a.appName}-data.service <<UNIT`,
      "[Service]",
      "Type=oneshot",
      `ExecStart=${mount}`,
      "UNIT",
      `cat > /etc/systemd/system/${a.appName}-data.timer <<UNIT`,
      "[Timer]",
      "OnBootSec=5",
      "OnUnitActiveSec=5",
      "[Install]",
      "WantedBy=timers.target",
      "UNIT",
      "systemctl daemon-reload",
      `systemctl enable --now ${a.appName}-data.timer`,
    );
  }
  return lines.join("\n") + "\n";
}
