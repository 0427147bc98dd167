/** An AWS managed policy's ARN in the stack's partition (`aws`, `aws-cn`, `aws-us-gov`). */
export function managedPolicyArn(partition: string, name: string): string {
  return `arn:${partition}:iam::aws:policy/${name}`;
}

/** Trust policy letting one AWS service assume a role (`ec2.amazonaws.com`, `backup.amazonaws.com`, …). */
export function assumeRolePolicyFor(service: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
  });
}
