// Where the AWS SDK sent a service's requests, and why: for messages about an endpoint that could not
// be reached or did not answer like AWS. The SDK's own order (its `getEndpointFromConfig`): unless
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true, AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then
// the profile's `endpoint_url` (or its `services` section) in the config file; else AWS's own
// regional endpoint. Pure: the environment is an argument.

export interface EndpointOrigin {
  /** The endpoint as configured (or, for AWS's own and a profile's, as the SDK resolved it). */
  url: string;
  /** Where it came from, for a message: "set by AWS_ENDPOINT_URL", "set by endpoint_url in AWS profile \"dev\" (~/.aws/config)", … */
  source: string;
  /** What a person changes to point elsewhere; undefined for AWS's own endpoint. */
  setting?: string;
}

/** AWS's own endpoints (all partitions): `ec2.eu-west-1.amazonaws.com`, `sts.cn-north-1.amazonaws.com.cn`, `…api.aws`. */
const AWS_HOST = /(^|\.)(amazonaws\.com(\.cn)?|api\.aws|c2s\.ic\.gov|sc2s\.sgov\.gov)$/i;

/** The environment variable that points one service elsewhere: EC2 → AWS_ENDPOINT_URL_EC2, CodeDeploy → AWS_ENDPOINT_URL_CODEDEPLOY. */
export function serviceEndpointVariable(service: string): string {
  return `AWS_ENDPOINT_URL_${service.toUpperCase().replace(/ /g, "_")}`;
}

/**
 * Where `service`'s requests went. `resolvedUrl` is the URL the SDK resolved for the call, when known:
 * it tells a profile's endpoint from AWS's own, and an environment variable the SDK was told to ignore.
 */
export function endpointOrigin(service: string, resolvedUrl: string | undefined, env: NodeJS.ProcessEnv = process.env): EndpointOrigin {
  const serviceVar = serviceEndpointVariable(service);
  const ignored = (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? "").toLowerCase() === "true";
  for (const name of ignored ? [] : [serviceVar, "AWS_ENDPOINT_URL"]) {
    const value = env[name];
    if (value && (resolvedUrl === undefined || sameEndpoint(value, resolvedUrl))) return { url: value, source: `set by ${name}`, setting: name };
  }
  if (resolvedUrl !== undefined && !isAwsEndpoint(resolvedUrl)) {
    const profile = env.AWS_PROFILE || "default";
    const file = env.AWS_CONFIG_FILE || "~/.aws/config";
    return { url: resolvedUrl, source: `set by endpoint_url in AWS profile "${profile}" (${file})`, setting: `endpoint_url in AWS profile "${profile}" (${file})` };
  }
  return {
    url: resolvedUrl ?? `AWS's ${service} endpoint`,
    source: `AWS's default endpoint: none of ${serviceVar}, AWS_ENDPOINT_URL or a profile's endpoint_url is set`,
  };
}

function isAwsEndpoint(url: string): boolean {
  try {
    return AWS_HOST.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** `configured` is where `resolved` points: the same origin, or a host under it (S3 puts the bucket in front). */
function sameEndpoint(configured: string, resolved: string): boolean {
  try {
    const c = new URL(configured);
    const r = new URL(resolved);
    return c.protocol === r.protocol && c.port === r.port && (c.hostname === r.hostname || r.hostname.endsWith(`.${c.hostname}`));
  } catch {
    return true; // unparseable: the SDK took it as it is
  }
}
