/** The AWS SDK's standard variables pointed at an emulator, for a child process or a CLI run. */
export function awsEmulatorEnv(url: string, region = 'ap-northeast-1'): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'example',
    AWS_REGION: region,
    // Node 20 is supported here; the SDK's notice about Node 22 is in the README, not in every run.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}
