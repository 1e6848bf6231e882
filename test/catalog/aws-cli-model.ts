/**
 * Checks `aws <service> <operation> --options` examples against the AWS service models, the source the AWS CLI
 * itself is generated from. The models come from the v2 `aws-sdk` package (`apis/*.min.json`, a dev dependency):
 * read as JSON files, the SDK itself is never loaded.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A shape of the minified models: inline, or a reference to `shapes` by name; `type` defaults to string. */
interface Shape {
  shape?: string;
  type?: string;
  members?: Record<string, Shape & { idempotencyToken?: boolean }>;
  required?: string[];
}
interface Model {
  operations: Record<string, { input?: Shape }>;
  shapes: Record<string, Shape>;
}

function resolve(model: Model, shape: Shape | undefined): Shape | undefined {
  return shape?.shape ? model.shapes[shape.shape] : shape;
}

/** CLI command names whose model file is named differently (botocore's service name vs the SDK's file prefix). */
const modelFileOf: Record<string, string> = {
  s3api: 's3',
  configservice: 'config',
  elbv2: 'elasticloadbalancingv2',
  elb: 'elasticloadbalancing',
  efs: 'elasticfilesystem',
  emr: 'elasticmapreduce',
  cloudwatch: 'monitoring',
  stepfunctions: 'states',
  ses: 'email',
  resourcegroupstaggingapi: 'resourcegroupstaggingapi',
};

/** Options every CLI command takes (`aws help topics`, "global options"), plus the input-file ones. */
const globalOptions = new Set([
  'region',
  'output',
  'query',
  'profile',
  'endpoint-url',
  'no-verify-ssl',
  'no-paginate',
  'debug',
  'no-cli-pager',
  'cli-input-json',
  'cli-input-yaml',
  'generate-cli-skeleton',
  // pagination options the CLI adds to paginated operations
  'max-items',
  'starting-token',
  'page-size',
]);

/**
 * Options the CLI adds to particular operations on top of the model's members (customizations in the CLI's
 * source). Each entry is documented on the command's CLI reference page.
 */
const cliAdditions: Record<string, Record<string, string[]>> = {
  ec2: {
    // Shorthand for one IpPermissions entry on security group rules.
    'authorize-security-group-ingress': ['protocol', 'port', 'cidr', 'source-group', 'group-owner'],
    'authorize-security-group-egress': ['protocol', 'port', 'cidr', 'source-group', 'group-owner'],
    'revoke-security-group-ingress': ['protocol', 'port', 'cidr', 'source-group', 'group-owner'],
    'revoke-security-group-egress': ['protocol', 'port', 'cidr', 'source-group', 'group-owner'],
    // run-instances: --count is shorthand for MinCount/MaxCount.
    'run-instances': ['count', 'secondary-private-ip-addresses', 'associate-public-ip-address'],
  },
  configservice: {
    // The CLI splits ConfigurationRecorder.recordingGroup out into its own option.
    'put-configuration-recorder': ['recording-group'],
  },
};

/** Options the CLI accepts in place of required members: `--count 1` sets MinCount and MaxCount. */
const cliFills: Record<string, Record<string, Record<string, string[]>>> = {
  ec2: { 'run-instances': { count: ['min-count', 'max-count'] } },
};

/**
 * Commands the models cannot check: CLI-only commands (no API operation), and operations AWS added after the
 * v2 SDK's last model update (its models stop at late 2024), each with the options its CLI reference documents.
 */
const cliOnlyCommands: Record<string, Record<string, { required: string[]; optional: string[] }>> = {
  ec2: {
    // VPC Block Public Access (November 2024).
    'modify-vpc-block-public-access-options': { required: ['internet-gateway-block-mode'], optional: [] },
    'create-vpc-block-public-access-exclusion': {
      required: ['internet-gateway-exclusion-mode'],
      optional: ['subnet-id', 'vpc-id', 'tag-specifications'],
    },
  },
  cloudtrail: {
    'validate-logs': {
      required: ['trail-arn', 'start-time'],
      optional: ['end-time', 's3-bucket', 's3-prefix', 'account-id', 'verbose'],
    },
  },
  // `aws s3` high-level commands (paths are positional).
  s3: {
    ls: { required: [], optional: ['recursive', 'human-readable', 'summarize'] },
    cp: { required: [], optional: ['recursive', 'sse', 'sse-kms-key-id', 'acl', 'exclude', 'include'] },
    sync: { required: [], optional: ['delete', 'sse', 'sse-kms-key-id', 'exclude', 'include'] },
    rm: { required: [], optional: ['recursive'] },
    mb: { required: [], optional: [] },
    rb: { required: [], optional: ['force'] },
  },
  eks: { 'update-kubeconfig': { required: ['name'], optional: ['alias', 'role-arn'] } },
  logs: { tail: { required: [], optional: ['follow', 'since', 'format'] } },
};

const modelsDir = join(dirname(createRequire(import.meta.url).resolve('aws-sdk/package.json')), 'apis');

let fileIndex: Map<string, string> | undefined;

/** The newest model file of each SDK file prefix (`ec2` -> `ec2-2016-11-15.min.json`). */
function modelFiles(): Map<string, string> {
  if (fileIndex) return fileIndex;
  fileIndex = new Map();
  for (const file of readdirSync(modelsDir).sort()) {
    const match = /^(.+)-(\d{4}-\d{2}-\d{2})\.min\.json$/.exec(file);
    if (match?.[1]) fileIndex.set(match[1], file); // sorted, so the last version wins
  }
  return fileIndex;
}

const models = new Map<string, Model | undefined>();

function modelFor(cliService: string): Model | undefined {
  if (!models.has(cliService)) {
    const file = modelFiles().get(modelFileOf[cliService] ?? cliService);
    models.set(
      cliService,
      file ? (JSON.parse(readFileSync(join(modelsDir, file), 'utf8')) as Model) : undefined,
    );
  }
  return models.get(cliService);
}

/** botocore's `xform_name`: the CLI's spelling of a model name (`DBInstanceIdentifier` -> `db-instance-identifier`). */
export function kebab(name: string): string {
  let out = name;
  const special = /[A-Z]{2,}s$/.exec(out);
  if (special) out = `${out.slice(0, -special[0].length)}-${special[0].toLowerCase()}`;
  out = out.replace(/(.)([A-Z][a-z]+)/g, '$1-$2');
  return out.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
}

/** Splits a command line like a POSIX shell would for our purposes (quotes grouped, no expansion). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | null = null;
  let started = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = null;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      started = true;
    } else if (/\s/.test(ch)) {
      if (started) words.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (started) words.push(current);
  return words;
}

export interface CliProblem {
  command: string;
  message: string;
}

/**
 * Validates one command. `example` means it is meant to be run as written (options given or a `CLI:` line):
 * then every option must exist and every required input member be present unless `...` marks an elision.
 * A reference (a bare `aws svc op` in prose) only has to name a real service and operation.
 */
export function checkCommand(command: string, example: boolean): string[] {
  const words = shellWords(command);
  if (words[0] !== 'aws' || words.length < 3) return ['expected `aws <service> <operation> ...`'];
  const service = words[1] as string;
  const operation = words[2] as string;
  const rest = words.slice(3);
  const elided = rest.includes('...') || command.includes('...');
  const given = rest.filter((w) => w.startsWith('--')).map((w) => w.slice(2));

  const cliOnly = cliOnlyCommands[service]?.[operation];
  if (cliOnly) {
    const known = new Set([...cliOnly.required, ...cliOnly.optional, ...globalOptions]);
    const problems = given
      .filter((o) => !known.has(o))
      .map((o) => `--${o} is not an option of ${service} ${operation}`);
    if (example && !elided) {
      for (const r of cliOnly.required) if (!given.includes(r)) problems.push(`--${r} is required`);
    }
    return problems;
  }

  const model = modelFor(service);
  if (!model) return [`no AWS CLI service "${service}"`];
  const opName = Object.keys(model.operations).find((op) => kebab(op) === operation);
  if (!opName) return [`"${operation}" is not an operation of ${service}`];
  if (!example) return [];

  const input = resolve(model, model.operations[opName]?.input);
  const members = new Map<string, Shape | undefined>();
  for (const [name, ref] of Object.entries(input?.members ?? {}))
    members.set(kebab(name), resolve(model, ref));
  const additions = new Set(cliAdditions[service]?.[operation] ?? []);

  const problems: string[] = [];
  for (const option of given) {
    if (globalOptions.has(option) || additions.has(option) || members.has(option)) continue;
    const negated = option.startsWith('no-') ? option.slice(3) : undefined;
    if (negated && members.has(negated) && isBooleanLike(model, members.get(negated))) continue;
    problems.push(`--${option} is not an option of ${service} ${operation}`);
  }
  if (!elided && !given.includes('cli-input-json')) {
    const filled = given.flatMap((o) => cliFills[service]?.[operation]?.[o] ?? []);
    for (const name of input?.required ?? []) {
      if (input?.members?.[name]?.idempotencyToken) continue; // the CLI generates it
      const option = kebab(name);
      if (!given.includes(option) && !given.includes(`no-${option}`) && !filled.includes(option)) {
        problems.push(`--${option} is required by ${service} ${operation}`);
      }
    }
  }
  return problems;
}

/** Booleans, and EC2's `AttributeBooleanValue` ({Value: boolean}), which the CLI offers as `--x` / `--no-x`. */
function isBooleanLike(model: Model, shape: Shape | undefined): boolean {
  if (!shape) return false;
  if (shape.type === 'boolean') return true;
  if (shape.members?.Value && resolve(model, shape.members.Value)?.type !== 'boolean') return false;
  const names = Object.keys(shape.members ?? {});
  return shape.type === 'structure' && names.length === 1 && names[0] === 'Value';
}

export interface CliExample {
  command: string;
  /** Meant to be run as written (has options, or stands on a `CLI:` line); otherwise a reference in prose. */
  example: boolean;
}

/** Every backticked `aws ...` command in a remediation text. */
export function cliExamples(text: string): CliExample[] {
  const found: CliExample[] = [];
  for (const line of text.split('\n')) {
    for (const match of line.matchAll(/`(aws [^`]+)`/g)) {
      const command = (match[1] as string).trim();
      const before = line.slice(0, match.index);
      const example = /\s--|\.\.\./.test(command) || /CLI\s*[:：]\s*$/.test(before);
      found.push({ command, example });
    }
  }
  return found;
}
